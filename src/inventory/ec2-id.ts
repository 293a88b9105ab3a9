// EC2 ids as text: Nova renders the integer ids of its mapping tables as <prefix>-%08x.

export type Ec2Prefix = 'i' | 'ami' | 'aki' | 'ari' | 'r';

/** 1 → "i-00000001". */
export function formatEc2Id(prefix: 'i' | 'ami' | 'aki' | 'ari', id: number): string {
  return `${prefix}-${id.toString(16).padStart(8, '0')}`;
}

/** "i-0000000a" → 10; undefined when the text is not `prefix-` and 8 or more hex digits, or is 0. */
export function parseEc2Id(text: string, prefixes: readonly string[]): number | undefined {
  const m = /^([a-z]+)-([0-9a-f]{8,12})$/.exec(text);
  if (m === null || !prefixes.includes(m[1]!)) return undefined;
  const id = parseInt(m[2]!, 16);
  return id >= 1 && id <= Number.MAX_SAFE_INTEGER ? id : undefined;
}
