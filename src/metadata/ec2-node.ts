// The EC2 tree's shape, mirroring the Python values Nova's get_ec2_metadata builds and
// ec2_md_print renders: a dict is a Map (never a plain object, so a path token such as
// "constructor" can only ever name a real entry), a list of strings, raw bytes (user-data),
// a str, an int, or None (null, printed "None").

export type Ec2Node = Ec2Dir | readonly string[] | Buffer | string | number | null;

export type Ec2Dir = ReadonlyMap<string, Ec2Node>;

/** The entry whose value a parent dict lists instead of "<key>/" (the public-keys "0=<name>" quirk). */
export const EC2_NAME_KEY = '_name';
