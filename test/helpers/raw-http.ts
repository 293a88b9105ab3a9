// Raw HTTP/1.1 requests for integration tests: the caller controls every header, in order and
// repeated if wanted (node:http's flat rawHeaders-style array), over TCP (optionally from a chosen
// local address, e.g. 127.0.0.2) or a UNIX socket. Each request uses its own connection
// (Connection: close), so nothing lingers after a test. Loopback and UNIX sockets only.
import { request, type IncomingHttpHeaders } from 'node:http';

export interface TcpTarget {
  host: string;
  port: number;
  /** Source address of the client socket, e.g. 127.0.0.2 to act as a second guest. */
  localAddress?: string;
}

export type Target = TcpTarget | { socketPath: string };

export interface RawRequest {
  method?: string;
  /** Sent as is (no normalisation, no escaping). */
  path: string;
  /** [name, value] pairs in order; a name may repeat. Host and Connection are added when absent. */
  headers?: Array<[string, string]>;
  body?: Buffer | string;
  /** Milliseconds before the request is abandoned with an error (default 10 s). */
  timeoutMs?: number;
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export function sendRaw(target: Target, req: RawRequest): Promise<RawResponse> {
  if ('host' in target && !LOOPBACK.has(target.host) && !target.host.startsWith('127.')) {
    return Promise.reject(new Error(`Refusing to send test traffic to a non-loopback host: ${target.host}`));
  }
  const pairs = [...(req.headers ?? [])];
  const has = (name: string) => pairs.some(([n]) => n.toLowerCase() === name);
  if (!has('host')) pairs.unshift(['Host', 'host' in target ? `${target.host}:${target.port}` : 'localhost']);
  if (!has('connection')) pairs.push(['Connection', 'close']);
  const body = req.body === undefined ? undefined : Buffer.from(req.body);
  if (body !== undefined && !has('content-length')) pairs.push(['Content-Length', String(body.length)]);
  const flat = pairs.flat();
  return new Promise((resolve, reject) => {
    const r = request(
      {
        ...('socketPath' in target
          ? { socketPath: target.socketPath }
          : {
              host: target.host,
              port: target.port,
              ...(target.localAddress === undefined ? {} : { localAddress: target.localAddress }),
            }),
        method: req.method ?? 'GET',
        path: req.path,
        headers: flat as unknown as Record<string, string>,
        agent: false,
        setHost: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    r.setTimeout(req.timeoutMs ?? 10_000, () =>
      r.destroy(new Error(`Timed out: ${req.method ?? 'GET'} ${req.path}`)),
    );
    r.on('error', reject);
    r.end(body);
  });
}

/** "127.0.0.1:4567" or "[::1]:4567" → a TCP target. */
export function tcpTarget(address: string, localAddress?: string): TcpTarget {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(address);
  if (m === null) throw new Error(`Not host:port: ${address}`);
  return {
    host: (m[1] ?? m[2])!,
    port: Number(m[3]),
    ...(localAddress === undefined ? {} : { localAddress }),
  };
}
