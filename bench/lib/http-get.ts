// One GET from the orchestrator (readiness checks, discovering the crawl, reading a document).
import { request } from 'node:http';

export interface GetOptions {
  host: string;
  port: number;
  path: string;
  localAddress?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export interface GetResult {
  status: number;
  body: Buffer;
}

export function httpGet(opts: GetOptions): Promise<GetResult> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: opts.host,
        port: opts.port,
        path: opts.path,
        agent: false,
        headers: { connection: 'close', ...opts.headers },
        ...(opts.localAddress === undefined ? {} : { localAddress: opts.localAddress }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.setTimeout(opts.timeoutMs ?? 5000, () => req.destroy(new Error(`GET ${opts.path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** Polls until a GET answers 200; rejects after `timeoutMs` with the last failure. */
export async function waitForHttp(opts: GetOptions, timeoutMs: number, intervalMs = 20): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const r = await httpGet({ ...opts, timeoutMs: 1000 });
      if (r.status === 200) return;
      last = `status ${r.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (performance.now() > deadline) {
      throw new Error(
        `Nothing answered GET http://${opts.host}:${opts.port}${opts.path} within ${timeoutMs} ms (${last})`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
