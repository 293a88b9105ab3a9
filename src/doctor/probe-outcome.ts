// What the script's timed GET of http://169.254.169.254/ saw: whether TCP connected (refused, timed
// out, unreachable) and the HTTP status. curl and busybox/GNU wget word their errors differently,
// and strerror() may speak the guest's language, so the messages are matched by a table, then
// curl's exit code decides what the words did not.

export type ConnectOutcome =
  | 'connected' // TCP connected (an HTTP status, or data, came back)
  | 'no-answer' // connected, but no HTTP answer before the deadline
  | 'refused'
  | 'timeout'
  | 'host-unreachable' // EHOSTUNREACH: ARP for the next hop failed, usually
  | 'net-unreachable' // ENETUNREACH: no route
  | 'failed' // some other connect failure
  | 'not-run'; // no curl or wget (or no probe section)

export interface ProbeOutcome {
  tool?: 'curl' | 'wget';
  outcome: ConnectOutcome;
  /** HTTP status, when one came back. */
  status?: number;
  /** The tool's own lines, for evidence. */
  evidence: string[];
}

// Checked in order: the first match wins ("Connection timed out" must not read as "connected").
const MESSAGES: Array<[RegExp, ConnectOutcome]> = [
  [/with \d+ (out of \d+ )?bytes received|empty reply from server|connection reset/i, 'no-answer'],
  [/connection refused|ECONNREFUSED/i, 'refused'],
  [
    /verbindungsaufbau abgelehnt|connexion refusée|conexión rehusada|connessione rifiutata|拒绝连接/i,
    'refused',
  ],
  [/no route to host|EHOSTUNREACH/i, 'host-unreachable'],
  [
    /keine route zum zielrechner|aucune route vers l'hôte|no hay ruta hasta el anfitrión|没有到主机的路由/i,
    'host-unreachable',
  ],
  [/network is unreachable|ENETUNREACH/i, 'net-unreachable'],
  [
    /netzwerk ist nicht erreichbar|réseau n'est pas accessible|la red es inaccesible|网络不可达/i,
    'net-unreachable',
  ],
  [/timed out|timeout|ETIMEDOUT/i, 'timeout'],
  [/zeitüberschreitung|wartezeit.*abgelaufen|délai d'attente|tiempo de espera|超时/i, 'timeout'],
];

// curl exit codes: 7 could not connect, 28 timeout, 52 empty reply, 56 receive failure.
const CURL_EXIT: Record<number, ConnectOutcome> = {
  7: 'failed',
  28: 'timeout',
  52: 'no-answer',
  56: 'no-answer',
};

export function probeOutcome(lines: readonly string[] | undefined): ProbeOutcome {
  if (lines === undefined) return { outcome: 'not-run', evidence: [] };
  let tool: ProbeOutcome['tool'];
  let exit: number | undefined;
  let status: number | undefined;
  const evidence: string[] = [];
  let outcome: ConnectOutcome | undefined;
  let connected = false; // curl -v: "* Connected to 169.254.169.254 …"
  for (const raw of lines) {
    const line = raw.trim();
    const note = /^## (\w+):\s*(.*)$/.exec(line);
    if (note) {
      if (note[1] === 'tool' && (note[2] === 'curl' || note[2] === 'wget')) tool = note[2];
      if (note[1] === 'exit' && /^\d+$/.test(note[2]!)) exit = Number(note[2]);
      continue;
    }
    if (line === '') continue;
    const code = /^http_code=(\d{3})$/.exec(line) ?? /HTTP\/\d(?:\.\d)?\s+(\d{3})\b/.exec(line);
    if (code && Number(code[1]) > 0) status = Number(code[1]);
    if (/^\*?\s*Connected to /.test(line)) connected = true;
    const said = MESSAGES.find(([re]) => re.test(line))?.[1];
    outcome ??= said;
    const telling = code !== null || said !== undefined || /^(curl|wget):/.test(line);
    if (telling && evidence.length < 6) evidence.push(line.slice(0, 300));
  }
  if (tool === undefined && exit === undefined && status === undefined && outcome === undefined) {
    return { outcome: 'not-run', evidence };
  }
  if (status !== undefined) outcome = 'connected';
  else if (connected && (outcome === undefined || outcome === 'timeout')) outcome = 'no-answer';
  else if (outcome === undefined && exit === 0) outcome = 'connected';
  else if (outcome === undefined && tool === 'curl' && exit !== undefined)
    outcome = CURL_EXIT[exit] ?? 'failed';
  return {
    ...(tool !== undefined ? { tool } : {}),
    outcome: outcome ?? 'failed',
    ...(status !== undefined ? { status } : {}),
    evidence,
  };
}
