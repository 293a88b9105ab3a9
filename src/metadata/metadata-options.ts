// What rendering needs besides the instance: the configuration Nova reads from nova.conf, the
// clock (as a date) and the request's address. All of it comes in as arguments (STYLE.md §7).

export interface MetadataOptions {
  /** Nova [api] dhcp_domain (default "novalocal"); "" keeps the bare hostname. */
  dhcpDomain: string;
  /** Today's UTC date, YYYY-MM-DD: hides future OpenStack versions from `GET /openstack`. */
  today: string;
  /** EC2 local-ipv4 fallback when the instance has no fixed IPv4 (Nova: the peer or X-Forwarded-For). */
  requestAddress?: string;
  /** The StaticJSON vendor data (Nova [api] vendordata_jsonfile_path; {} when unset); null = provider disabled. */
  staticVendorData: Record<string, unknown> | null;
}
