// Linux interface names (attach.interface, ports' devname): IFNAMSIZ - 1 = 15 bytes at most,
// and no "/", ":" or whitespace (net/core/dev.c dev_valid_name).

const IFNAME_RE = /^[^/\s:]{1,15}$/;

export function interfaceNameProblem(name: string): string | undefined {
  if (IFNAME_RE.test(name) && Buffer.byteLength(name) <= 15 && name !== '.' && name !== '..')
    return undefined;
  return `"${name}" is not an interface name: 1..15 characters, no "/", ":" or spaces`;
}
