// Headers that say who a request is from. A guest must never be able to set them: the namespace proxy
// deletes every copy the guest sent before it adds its own (Neutron's haproxy does `del-header` for
// X-Neutron-*-ID since LP #1865036, reference §3.4; we go further and drop everything any openimds
// listener or Nova reads as identity, §2.14).
const EXACT = new Set([
  'x-forwarded-for',
  'forwarded',
  'x-real-ip',
  'x-neutron-network-id',
  'x-neutron-router-id',
  'x-ovn-network-id',
  'x-instance-id',
  'x-instance-id-signature',
  'x-tenant-id',
]);

/** True for a header name (any case) that carries identity; includes X-Metadata-Provider* (§2.14.2). */
export function isIdentityHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return EXACT.has(lower) || lower.startsWith('x-metadata-provider');
}
