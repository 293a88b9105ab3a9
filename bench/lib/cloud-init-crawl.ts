// What cloud-init 22.4 asks an OpenStack metadata service during one boot, in order
// (/work/shared/docs/reference/cloud-init-client.md §2.2 and §3.4): the version probe twice, the five
// files of 2018-08-27, then the EC2 sub-crawl of /latest/meta-data/ walked as MetadataMaterializer
// walks it — at each level the child directories first (depth-first, listing order), then the leaves;
// `N=name` leaves are fetched as `N/openssh-key`; `security-credentials` is never fetched.

/** The newest version cloud-init 22.4 knows; it reads this one whenever the listing has it (§2.2 step 3). */
export const CLOUD_INIT_OPENSTACK_VERSION = '2018-08-27';

export const OPENSTACK_CRAWL: readonly string[] = [
  '/openstack', // wait_for_url probe
  '/openstack', // _fetch_available_versions
  ...['meta_data.json', 'user_data', 'vendor_data.json', 'vendor_data2.json', 'network_data.json'].map(
    (file) => `/openstack/${CLOUD_INIT_OPENSTACK_VERSION}/${file}`,
  ),
];

export const EC2_CRAWL_ROOT = '/latest/meta-data/';

/** Walks the EC2 tree from its root listing; returns every path requested, in cloud-init's order. */
export async function ec2Crawl(fetchText: (path: string) => Promise<string>): Promise<string[]> {
  const requested: string[] = [];
  const get = async (path: string): Promise<string> => {
    requested.push(path);
    return fetchText(path);
  };
  const walk = async (listing: string, base: string): Promise<void> => {
    const { children, leaves } = parseListing(listing);
    for (const child of children) await walk(await get(`${base}${child}/`), `${base}${child}/`);
    for (const resource of leaves) await get(`${base}${resource}`);
  };
  await walk(await get(EC2_CRAWL_ROOT), EC2_CRAWL_ROOT);
  return requested;
}

/** MetadataMaterializer._parse: directories end in "/", `N=name` is a public key. */
function parseListing(blob: string): { children: string[]; leaves: string[] } {
  const children: string[] = [];
  const leaves = new Map<string, string>();
  for (const raw of blob.split('\n')) {
    const field = raw.trim();
    const name = field.endsWith('/') ? field.slice(0, -1) : field;
    if (field === '' || name === '' || name === 'security-credentials') continue;
    if (field.endsWith('/')) {
      if (!children.includes(name)) children.push(name);
      continue;
    }
    const eq = field.indexOf('=');
    const ident = eq < 0 ? NaN : Number.parseInt(field.slice(0, eq), 10);
    if (eq >= 0 && Number.isInteger(ident)) leaves.set(field.slice(eq + 1), `${ident}/openssh-key`);
    else leaves.set(name, name);
  }
  return { children, leaves: [...leaves.values()] };
}
