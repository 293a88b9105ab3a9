// What dnsmasq says on stderr (--log-facility=-), sorted for our log: DHCP answers, problems an
// operator must see (a file it cannot read leaves it running but serving nothing), and the rest.

export interface DnsmasqLine {
  /** lease: DHCPACK, DHCPNAK, "no address available" (an unknown MAC); problem: something is wrong. */
  kind: 'lease' | 'problem' | 'detail';
  text: string;
  /**
   * A (re)load of its files ("read <file>", "cannot read <file>"). The first one means start-up is
   * over: dnsmasq ignores SIGHUP until then (dnsmasq.c sig_handler: "ignore anything other than
   * TERM during startup") and its "started" line comes before that point.
   */
  loaded: boolean;
}

// Ordered; the first match wins.
const KINDS: ReadonlyArray<[RegExp, DnsmasqLine['kind']]> = [
  [/\bDHCP(ACK|NAK)\(|no address available/, 'lease'],
  [/cannot|failed|error|no address range|illegal|bad /i, 'problem'],
];

export function classifyDnsmasqLine(line: string): DnsmasqLine {
  const text = line.replace(/^dnsmasq(-dhcp)?\[\d+\]: /, '');
  const kind = KINDS.find(([re]) => re.test(text))?.[1] ?? 'detail';
  return { kind, text, loaded: /^(cannot )?read \//.test(text) };
}

/** Calls `onLine` for each complete line of a stream. */
export function eachLine(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let buffered = '';
  stream.on('data', (chunk: Buffer | string) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) if (line !== '') onLine(line);
  });
}
