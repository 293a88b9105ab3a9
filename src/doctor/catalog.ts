// Every finding id the doctor can report, one row each: stable ids (scripts and docs depend on them),
// with the cause, the evidence it rests on and the fix. docs/doctor.md lists the same ids;
// test/unit/doctor-catalog.test.ts keeps the two in step.

export interface CatalogEntry {
  /** Where it is detected: the guest's state, the host's, or OpenStack's configuration files. */
  side: 'guest' | 'host' | 'openstack';
  title: string;
  cause: string;
  fix: string;
}

export const CATALOG = {
  // --- guest side (bundle from `doctor guest-script` or `doctor guest --namespace`)
  'guest-zeroconf-route': {
    side: 'guest',
    title: 'Zeroconf route sends 169.254.169.254 on-link',
    cause:
      'A 169.254.0.0/16 link route (CentOS/RHEL ifup-eth unless NOZEROCONF=yes) is more specific than the default route, so the guest ARPs for 169.254.169.254 on its own link; on a routed network nobody owns that address there.',
    fix: 'Set NOZEROCONF=yes in /etc/sysconfig/network (and restart networking), or serve the network on-link: attach mode onlink, or router mode with onlink: true.',
  },
  'guest-no-metadata-route': {
    side: 'guest',
    title: 'No route to 169.254.169.254',
    cause:
      'The guest has neither a default route nor a route for 169.254.169.254, so the request cannot leave.',
    fix: 'Give the guest a default route (DHCP option 3 or static), or a 169.254.169.254/32 route (DHCP option 121 on an isolated network).',
  },
  'guest-option121-ignored': {
    side: 'guest',
    title: 'DHCP option 121 not applied',
    cause:
      'The network sends 169.254.169.254/32 via its metadata address in option 121, but the guest has no such route; its default route does not lead to the metadata service.',
    fix: 'Use a DHCP client that applies classless static routes (dhclient with rfc3442-classless-static-routes, systemd-networkd, NetworkManager), or add the route by hand: ip route add 169.254.169.254/32 via <metadata address>.',
  },
  'guest-arp-unanswered': {
    side: 'guest',
    title: 'ARP for the next hop is not answered',
    cause:
      'The guest asked who has the next hop for 169.254.169.254 and nobody answered (neighbour state FAILED/INCOMPLETE).',
    fix: 'Make something on the link own the address: openimds net apply (onlink), or fix the route so the guest uses its gateway.',
  },
  'guest-connection-refused': {
    side: 'guest',
    title: 'Connection refused at 169.254.169.254:80',
    cause:
      'The packet reached the metadata address, but nothing listens there (service stopped, or plumbing without a listener).',
    fix: 'Start openimds serve (it listens in every attached namespace), and check openimds doctor host.',
  },
  'guest-tcp-blocked': {
    side: 'guest',
    title: 'TCP to 169.254.169.254:80 is dropped',
    cause:
      'The next hop answers ARP, but the TCP connection times out: a firewall rule drops it on the way (guest, namespace or host).',
    fix: 'Find and remove the rule dropping TCP/80 to 169.254.169.254 (nft list ruleset; iptables-save) in the guest and in the metadata namespace.',
  },
  'guest-connect-timeout': {
    side: 'guest',
    title: 'Connection to 169.254.169.254:80 times out',
    cause:
      'The probe got neither an answer nor a refusal within its timeout; the other findings say why when the bundle shows it (route, ARP, firewall).',
    fix: 'Follow the root finding above; without one, compare ip route get 169.254.169.254 and ip neigh with the network attach mode (docs/network.md).',
  },
  'guest-http-error': {
    side: 'guest',
    title: 'The metadata service answers with an error',
    cause:
      'The connection works but the answer is an HTTP error (404: the guest is not registered at this address; 403/500: see the service log).',
    fix: 'Check the registration: openimds instance list, and openimds doctor host on the service host.',
  },
  'guest-bundle-unreadable': {
    side: 'guest',
    title: 'Part of the bundle could not be read',
    cause:
      'A section of the bundle was missing, garbled or in an unknown format, so the checks that need it did not run.',
    fix: 'Re-run the guest script as root with ip or route available; attach the whole bundle.',
  },
  // --- host side (`doctor host`)
  'host-service-down': {
    side: 'host',
    title: 'The openimds service does not answer',
    cause: 'No process answers on the admin API or the listeners: openimds serve is not running.',
    fix: 'Start it: openimds serve (or systemctl start openimds).',
  },
  'host-store-unreachable': {
    side: 'host',
    title: 'The store cannot be read',
    cause: 'The SQLite database cannot be opened or read.',
    fix: 'Check the --database path, its permissions and free disk space.',
  },
  'host-namespace-missing': {
    side: 'host',
    title: 'Namespace of an attached network is missing',
    cause: 'A network is attached in a namespace that does not exist, so nothing serves its guests.',
    fix: 'Create the namespace (its owner: Neutron agents, libvirt, your scripts) or fix attach.namespace; openimds attaches it as soon as it appears.',
  },
  'host-address-missing': {
    side: 'host',
    title: '169.254.169.254 is not on the guest-facing interface',
    cause:
      "An onlink or isolated network has no 169.254.169.254/32 on its interface, so guests' ARP is not answered.",
    fix: 'openimds net apply --network <name> (serve applies it when apply_plumbing is on).',
  },
  'host-listener-missing': {
    side: 'host',
    title: 'Nothing listens in the namespace',
    cause:
      'The address or redirect is in place but no socket listens on :80 (onlink, isolated) or :9697 (router): guests get "connection refused" or time out.',
    fix: 'Start openimds serve with attach_networks on, or run openimds proxy in the namespace.',
  },
  'host-nft-redirect-missing': {
    side: 'host',
    title: 'Router mode without the nft redirect',
    cause:
      'The router namespace has no openimds nft table, so TCP to 169.254.169.254:80 is not redirected to :9697.',
    fix: 'openimds net apply --network <name>.',
  },
  'host-dnsmasq-down': {
    side: 'host',
    title: 'dnsmasq is not running for an isolated network',
    cause: 'Isolated guests get no lease and no option 121 route.',
    fix: 'Start openimds serve (it supervises dnsmasq); check its log for dnsmasq.exited.',
  },
  'host-dnsmasq-no-option121': {
    side: 'host',
    title: 'dnsmasq does not offer the metadata route',
    cause:
      "The isolated network's DHCP options lack 169.254.169.254/32 or the default route in option 121 (RFC 3442: clients that take 121 ignore option 3).",
    fix: 'openimds net apply --network <name>; check attach.address and the subnet gateway.',
  },
  'host-port-unresolvable': {
    side: 'host',
    title: 'A registered port does not resolve to one instance',
    cause: "Looking the port's address up on its network finds no instance or several.",
    fix: 'Fix the duplicate or missing registration: openimds instance list, openimds apply.',
  },
  'host-guest-unregistered': {
    side: 'host',
    title: 'A guest asks from an address that is not registered',
    cause:
      'A guest on the network uses an address that no port of that network has (unregistered, or registered on another network).',
    fix: 'Register it on this network: openimds instance add … --network <name> --ip <address>, or fix its address.',
  },
  'host-arp-unanswered': {
    side: 'host',
    title: 'Guests ARP for 169.254.169.254 and nobody answers',
    cause:
      'Seen on the wire: guests treat 169.254.169.254 as on-link (zeroconf route) but no interface on the segment owns it.',
    fix: 'Serve the network on-link (attach mode onlink, or onlink: true in router mode), or set NOZEROCONF=yes in the guests.',
  },
  'host-signed-rejected': {
    side: 'host',
    title: "The signed listener rejects the agent's signature",
    cause:
      "The shared secret of openimds agent (or neutron-metadata-agent) differs from the signed listener's: every request gets 403.",
    fix: 'Make both secrets identical (shared_secret_file / OPENIMDS_SHARED_SECRET on both sides).',
  },
  'host-path-error': {
    side: 'host',
    title: 'A path of the service answers an error',
    cause:
      'One request for a registered port through the agent socket (--agent-socket) or to the signed listener (--signed-url) got no answer or an error other than 403 (503: the agent cannot reach the signed listener; 404: the port is not found).',
    fix: "Check that openimds agent runs with --nova-url pointing at openimds serve's signed listener, and the port's registration (openimds instance list).",
  },
  'host-check-incomplete': {
    side: 'host',
    title: 'A check could not run',
    cause:
      'A command the doctor needs failed (not root, ss, tcpdump or nft missing), so what it checks is unknown.',
    fix: 'Run the doctor as root on the host that runs openimds serve; install iproute2, nftables and tcpdump.',
  },
  // --- OpenStack configuration files (`doctor openstack`)
  'openstack-secret-mismatch': {
    side: 'openstack',
    title: 'Shared secrets differ between Nova and the metadata agent',
    cause:
      "Nova [neutron] metadata_proxy_shared_secret and the agent's metadata_proxy_shared_secret differ (or one is unset): every request gets 403 (F1).",
    fix: 'Set the same metadata_proxy_shared_secret in nova.conf [neutron] and metadata_agent.ini [DEFAULT]; restart both.',
  },
  'openstack-proxy-mode-off': {
    side: 'openstack',
    title: 'Nova ignores the Neutron proxy headers',
    cause:
      "Nova [neutron] service_metadata_proxy is off (or misspelled), so Nova looks the agent host's address up: every request gets 404 (F2).",
    fix: 'Set [neutron] service_metadata_proxy = True in nova.conf and restart nova-api-metadata.',
  },
  'openstack-agent-unreachable': {
    side: 'openstack',
    title: 'The agent points at an address that does not answer',
    cause:
      'metadata_agent.ini nova_metadata_host:nova_metadata_port does not accept connections: every request gets 503 (F4).',
    fix: 'Point nova_metadata_host/nova_metadata_port at the Nova metadata API.',
  },
  'openstack-isolated-metadata-routed': {
    side: 'openstack',
    title: 'Isolated metadata settings cannot reach routed guests',
    cause:
      'enable_isolated_metadata only serves isolated networks; a routed network needs the L3 agent proxy, and with force_metadata off nothing serves it through DHCP (F10).',
    fix: 'Enable the L3 agent metadata proxy (enable_metadata_proxy = True) or force_metadata = True in dhcp_agent.ini.',
  },
  'openstack-l3-proxy-off': {
    side: 'openstack',
    title: 'The L3 agent runs no metadata proxy',
    cause: 'l3_agent.ini enable_metadata_proxy = False: requests through routers are dropped (F8).',
    fix: 'Set enable_metadata_proxy = True in l3_agent.ini and restart the L3 agent.',
  },
  'openstack-socket-mismatch': {
    side: 'openstack',
    title: 'The proxies and the agent use different sockets',
    cause:
      'metadata_proxy_socket differs between the L3/DHCP agents and the metadata agent: haproxy answers 503 (F6).',
    fix: "Use the same metadata_proxy_socket in every agent's configuration.",
  },
  'openstack-config-unreadable': {
    side: 'openstack',
    title: 'A configuration file could not be read',
    cause: 'A file given on the command line is missing or not an INI file.',
    fix: 'Check the path; run as a user that can read it.',
  },
  'openstack-secret-empty': {
    side: 'openstack',
    title: 'No shared secret on either side',
    cause:
      'Neither nova.conf nor metadata_agent.ini sets metadata_proxy_shared_secret: signatures use an empty key, so anyone who reaches Nova metadata can ask for any instance (Nova logs a warning at start).',
    fix: 'Set the same long random metadata_proxy_shared_secret in nova.conf [neutron] and metadata_agent.ini [DEFAULT]; restart both.',
  },
  'openstack-isolated-metadata-off': {
    side: 'openstack',
    title: 'The DHCP agent serves no metadata',
    cause:
      'dhcp_agent.ini enable_isolated_metadata and force_metadata are off: networks without a router get no metadata, and no 169.254.169.254/32 route rescues guests with a zeroconf route (F9, F10; the field report).',
    fix: 'Set enable_isolated_metadata = True (or force_metadata = True) in dhcp_agent.ini and restart the DHCP agent; or set NOZEROCONF=yes in CentOS/RHEL images.',
  },
  'openstack-metadata-network-ignored': {
    side: 'openstack',
    title: 'enable_metadata_network has no effect',
    cause:
      'dhcp_agent.ini enable_metadata_network = True requires enable_isolated_metadata = True, which is off.',
    fix: 'Set enable_isolated_metadata = True in dhcp_agent.ini, or drop enable_metadata_network.',
  },
  'openstack-option-renamed': {
    side: 'openstack',
    title: 'An old option name is used',
    cause:
      'The file sets an option by its old name (Nova [DEFAULT] service_neutron_metadata_proxy, neutron_metadata_proxy_shared_secret; agent nova_metadata_ip); releases after the rename ignore it and use the default.',
    fix: 'Keep it on that release; when upgrading, rename it to the current name (docs/doctor.md).',
  },
  'openstack-vendordata-unreadable': {
    side: 'openstack',
    title: "Nova's vendor data file cannot be used",
    cause:
      'vendordata_providers includes StaticJSON and [api] vendordata_jsonfile_path names a file that is missing or not JSON (checked on the host where the doctor runs): Nova answers every metadata request with 500 (F13).',
    fix: 'Fix or create the file (valid JSON, readable by nova), or unset vendordata_jsonfile_path; restart nova-api-metadata.',
  },
  'openstack-rate-limit-low': {
    side: 'openstack',
    title: 'Metadata rate limits below one boot',
    cause:
      '[metadata_rate_limiting] is enabled in the L3 or DHCP agent with base_query_rate_limit or burst_query_rate_limit under the few dozen requests cloud-init sends at boot: guests get 429 (F14).',
    fix: 'Raise base_query_rate_limit and burst_query_rate_limit (or the windows) in [metadata_rate_limiting], or disable it; restart the agent.',
  },
} as const satisfies Record<string, CatalogEntry>;

export type FindingId = keyof typeof CATALOG;
