export interface Port {
  /** UUID: network_data.json vif_id. */
  id: string;
  instanceUuid: string;
  networkId: string;
  /** Lower-case colon-separated MAC. */
  mac: string;
  /** Fixed IPs, each inside a subnet of the network; (network, IP) is unique across the store. */
  fixedIps: string[];
  floatingIp: string | null;
  /** Neutron binding:vif_type ("ovs", "bridge", "tap", …); network_data.json maps unknown ones to "phy". */
  vifType: string;
  /** Host-side device name (network_data.json link id), e.g. "tap6e1a2b3c-4d"; null → "interface<N>". */
  devname: string | null;
}
