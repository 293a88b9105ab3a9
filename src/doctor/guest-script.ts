// The guest side of the doctor: a POSIX sh script (busybox ash, dash, bash) that collects, in one
// text bundle, what decides whether a guest reaches http://169.254.169.254/: its routes, the route
// the kernel picks for that address, its neighbours before and after a timed probe, its DHCP leases
// (option 121), the zeroconf switch of network-scripts images, and cloud-init's view. It installs
// nothing and changes nothing; every tool is looked up first, so a missing one is noted, never fatal.
// `analyzeGuest()` (analyze-guest.ts) reads the bundle; the section names are its contract.

/** First line of every bundle; analyzeGuest() uses it to tell a bundle from some other file. */
export const BUNDLE_MAGIC = '=== openimds-guest-bundle 1 ===';

/** Seconds the probe waits for the TCP connection (then for the whole request, plus 2). */
export const PROBE_CONNECT_TIMEOUT_SECONDS = 3;

// Sections, in order (the analyzer looks them up by name):
//   system           date, uname, id: context for a person reading the bundle
//   routes           `ip -4 route`, else `route -n` (busybox, net-tools), else /proc/net/route
//   route-get        `ip route get 169.254.169.254`: the route the kernel really picks
//   addresses        `ip -4 addr`: the guest's own addresses (to match leases to it)
//   neighbours-before `ip neigh` (else /proc/net/arp) before the probe
//   leases           every DHCP lease file a common client writes, each after "--- file <path>"
//   sysconfig        /etc/sysconfig/network and the zeroconf lines of ifup-eth (CentOS/RHEL)
//   cloud-init       datasource, ds-identify's verdict, last WARNING/ERROR lines
//   probe            one timed GET of http://169.254.169.254/ with curl or wget
//   neighbours-after 169.254.169.254 and the route's next hop, after the probe (ARP answered?)
export function guestScript(): string {
  return `#!/bin/sh
# openimds doctor: collect what decides whether this guest reaches http://169.254.169.254/.
# Read-only; needs nothing beyond a minimal image (ip or route, cat; curl or wget for the probe).
# Run it as root if you can (some lease files are root-only):  sh collect.sh > bundle.txt
# Then, anywhere openimds is installed:  openimds doctor analyze bundle.txt
LC_ALL=C; LANG=C; export LC_ALL LANG
MD=169.254.169.254
# OPENIMDS_FILES_ROOT: read the guest's files under another root (a mounted image, a container).
R="\${OPENIMDS_FILES_ROOT:-}"
MAX_BYTES=65536

have() { command -v "$1" >/dev/null 2>&1; }
section() { echo; echo "=== $1 ==="; }
note() { echo "## $*"; }
# run CMD ARGS…: its output (stderr too), or a note that the tool is missing or failed.
run() {
  if have "$1"; then
    "$@" 2>&1
    rc=$?
    [ "$rc" -eq 0 ] || note "exit $rc: $*"
  else
    note "missing: $1"
  fi
}
# showfile PATH…: each readable file, capped, after a "--- file" line.
showfile() {
  for f in "$@"; do
    [ -f "$f" ] || continue
    echo "--- file \${f#"$R"}"
    if [ ! -r "$f" ]; then note "unreadable: \${f#"$R"}"; continue; fi
    if have head; then head -c "$MAX_BYTES" "$f" 2>&1; else cat "$f" 2>&1; fi
    echo
  done
}

echo "${BUNDLE_MAGIC}"
section system
run date -u 2>&1
run uname -a
run id

section routes
if have ip; then
  note "source: ip"
  run ip -4 route show table main
elif have route; then
  note "source: route"
  run route -n
elif [ -r /proc/net/route ]; then
  note "source: proc"
  cat /proc/net/route
else
  note "missing: ip, route and /proc/net/route"
fi

section route-get
if have ip; then run ip route get "$MD"; else note "missing: ip"; fi

section addresses
if have ip; then run ip -4 addr; elif have ifconfig; then run ifconfig -a; else note "missing: ip, ifconfig"; fi

section neighbours-before
if have ip; then run ip neigh; elif [ -r /proc/net/arp ]; then note "source: proc"; cat /proc/net/arp; else note "missing: ip"; fi

section leases
showfile "$R"/var/lib/dhclient/* "$R"/var/lib/dhcp/* "$R"/var/lib/dhcpcd*/* "$R"/var/lib/dhcpcd*/*/* \\
  "$R"/run/systemd/netif/leases/* "$R"/var/lib/NetworkManager/*.lease "$R"/var/lib/NetworkManager/*.leases

section sysconfig
showfile "$R"/etc/sysconfig/network
if [ -f "$R"/etc/sysconfig/network-scripts/ifup-eth ]; then
  echo "--- file /etc/sysconfig/network-scripts/ifup-eth (zeroconf lines)"
  if have grep; then grep -n -i zeroconf "$R"/etc/sysconfig/network-scripts/ifup-eth 2>&1; else note "missing: grep"; fi
fi

section cloud-init
showfile "$R"/var/lib/cloud/instance/datasource
if [ -f "$R"/run/cloud-init/ds-identify.log ]; then
  echo "--- file /run/cloud-init/ds-identify.log (last lines)"
  if have tail; then tail -n 20 "$R"/run/cloud-init/ds-identify.log 2>&1; else note "missing: tail"; fi
fi
if [ -f "$R"/var/log/cloud-init.log ]; then
  echo "--- file /var/log/cloud-init.log (last WARNING/ERROR lines)"
  if have grep && have tail; then grep -E 'WARNING|ERROR' "$R"/var/log/cloud-init.log 2>&1 | tail -n 30; else note "missing: grep or tail"; fi
fi

section probe
if have date; then note "start: $(date +%s 2>/dev/null)"; fi
if have curl; then
  note "tool: curl"
  curl -sS -v -o /dev/null --connect-timeout ${PROBE_CONNECT_TIMEOUT_SECONDS} -m ${PROBE_CONNECT_TIMEOUT_SECONDS + 2} \\
    -w 'http_code=%{http_code}\\n' "http://$MD/" 2>&1
  note "exit: $?"
elif have wget; then
  note "tool: wget"
  wget -S -O /dev/null -T ${PROBE_CONNECT_TIMEOUT_SECONDS} "http://$MD/" 2>&1
  note "exit: $?"
else
  note "missing: curl, wget"
fi
if have date; then note "end: $(date +%s 2>/dev/null)"; fi

section neighbours-after
if have ip; then
  echo "--- neighbour $MD"
  run ip neigh show "$MD"
  nh=$(ip route get "$MD" 2>/dev/null | sed -n 's/.* via \\([0-9.]*\\).*/\\1/p' 2>/dev/null)
  if [ -n "$nh" ]; then
    echo "--- neighbour $nh"
    run ip neigh show "$nh"
  fi
  echo "--- all"
  run ip neigh
elif [ -r /proc/net/arp ]; then
  note "source: proc"
  cat /proc/net/arp
else
  note "missing: ip"
fi
section end
`;
}
