// Before a target is timed: it must answer 200 with a real meta_data.json (or, for the EC2 leaf, a
// non-empty body). A benchmark of 404 pages would be fast and meaningless.
import { curlInNetns } from '../lib/curl-in-netns.js';
import { httpGet } from '../lib/http-get.js';
import type { ThroughputTarget } from './throughput.js';

export async function verifyTarget(t: ThroughputTarget): Promise<void> {
  const url = new URL(t.url);
  const { status, body } =
    t.netns === undefined
      ? await httpGet({
          host: url.hostname,
          port: Number(url.port || 80),
          path: url.pathname,
          ...(t.headers === undefined ? {} : { headers: t.headers }),
        }).then((r) => ({ status: r.status, body: r.body.toString('utf8') }))
      : await curlInNetns(t.netns, t.url);
  const problem =
    status !== 200
      ? `answered ${status}`
      : body === ''
        ? 'answered an empty body'
        : t.url.endsWith('.json') && !hasUuid(body)
          ? 'did not answer a meta_data.json with a uuid'
          : undefined;
  if (problem !== undefined)
    throw new Error(`Cannot benchmark ${t.id}: GET ${t.url} ${problem}: ${body.slice(0, 200)}`);
}

function hasUuid(text: string): boolean {
  try {
    return typeof (JSON.parse(text) as { uuid?: unknown }).uuid === 'string';
  } catch {
    return false;
  }
}
