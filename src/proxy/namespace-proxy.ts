// `openimds proxy`: Neutron's namespace metadata proxy (reference §1.2 step 3, §3.4), for when the
// service cannot reach into a namespace itself. It runs inside the namespace, takes the guest's
// request, removes every identity header the guest sent, tags the request with the guest's address
// (the TCP peer, never a header) and the network or router it serves, and forwards it over the UNIX
// socket of the tagged listener (openimds serve --tagged-socket, or openimds agent --socket). A UNIX
// socket is reachable from any network namespace, which is what makes this work (as in Neutron).
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Pool } from 'undici';
import { GUEST_SERVER_DEFAULTS, type GuestServerLimits } from '../http/limited-server.js';
import type { Logger } from '../log.js';
import { listenTcp } from '../service/listen.js';
import { forwardRequestHeaders } from './forward-headers.js';
import { closeForwardServer, createForwardServer } from './forward-server.js';
import { haproxyPage } from './haproxy-page.js';
import { isIdentityHeader } from './identity-headers.js';
import { originPath } from './origin-path.js';
import { peerAddress } from '../http/peer-address.js';
import { readBody } from './read-body.js';
import { sendFixed } from './send-fixed.js';
import { streamUpstream, type StreamOutcome } from './stream-upstream.js';
import { classifyUpstreamError, errorCode } from './upstream-failure.js';

/** Which header tags the request: a DHCP-namespace proxy serves a network, a router one a router. */
export interface ProxyTag {
  kind: 'network' | 'router';
  id: string;
}

export interface ProxyUpstreamOptions {
  /** haproxy `timeout server` (§3.4, 32 s): no answer within it → 504. Also the longest pause mid-answer. */
  serverTimeoutMs: number;
  /** A UNIX socket connects or fails at once; this only bounds a stuck connect. */
  connectTimeoutMs: number;
  /** Most connections kept open to the service (haproxy `maxconn` is 1024 per proxy). */
  connections: number;
}

export const PROXY_UPSTREAM_DEFAULTS: ProxyUpstreamOptions = {
  serverTimeoutMs: 32_000,
  connectTimeoutMs: 5_000,
  connections: 128,
};

export interface NamespaceProxyOptions {
  listen: { host: string; port: number };
  tag: ProxyTag;
  /** The tagged listener's UNIX socket. */
  socketPath: string;
  upstream?: Partial<ProxyUpstreamOptions>;
  /** Guest-side limits; the service's own by default (docs/api.md "Limits"). */
  limits?: GuestServerLimits;
  log: Logger;
}

export interface RunningProxy {
  address: { host: string; port: number };
  /** Stops listening, lets answers in flight finish (at most `graceMs`), closes the pool. */
  close(graceMs?: number): Promise<void>;
}

interface ProxyContext {
  pool: Pool;
  tagHeader: string;
  tag: ProxyTag;
  socketPath: string;
  serverTimeoutMs: number;
  log: Logger;
}

export async function startNamespaceProxy(opts: NamespaceProxyOptions): Promise<RunningProxy> {
  const upstream = { ...PROXY_UPSTREAM_DEFAULTS, ...opts.upstream };
  const log = opts.log.child({ [`${opts.tag.kind}Id`]: opts.tag.id });
  const pool = new Pool('http://localhost', {
    socketPath: opts.socketPath,
    connections: upstream.connections,
    connectTimeout: upstream.connectTimeoutMs,
    headersTimeout: upstream.serverTimeoutMs,
    bodyTimeout: upstream.serverTimeoutMs,
  });
  const ctx: ProxyContext = {
    pool,
    // Neutron's two ML2/OVS headers (§3.4 "header rules ML2/OVS"); set, never appended to.
    tagHeader: opts.tag.kind === 'network' ? 'X-Neutron-Network-ID' : 'X-Neutron-Router-ID',
    tag: opts.tag,
    socketPath: opts.socketPath,
    serverTimeoutMs: upstream.serverTimeoutMs,
    log,
  };
  const server = createForwardServer(
    (req, res) => forward(ctx, req, res),
    log,
    opts.limits ?? GUEST_SERVER_DEFAULTS,
  );
  let address: { host: string; port: number };
  try {
    address = await listenTcp(server, opts.listen.host, opts.listen.port, 'namespace proxy');
  } catch (err) {
    await pool.destroy();
    throw err;
  }
  log.info('proxy.started', `Forwarding guests' requests to "${opts.socketPath}"`, { address });
  return { address, close: (graceMs = 5_000) => stop(server, pool, log, graceMs) };
}

async function stop(server: Server, pool: Pool, log: Logger, graceMs: number): Promise<void> {
  await closeForwardServer(server, graceMs);
  await pool.destroy();
  log.info('proxy.stopped', 'The namespace proxy stopped');
}

async function forward(ctx: ProxyContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req);
  if (body === 'aborted') return;
  if (body === 'too-large') return sendFixed(res, haproxyPage(413), { method: req.method, close: true });
  const peer = peerAddress(req.socket.remoteAddress);
  const path = originPath(req.url ?? '');
  if (peer === undefined || path === undefined) {
    return sendFixed(res, haproxyPage(400), { method: req.method, close: true });
  }
  // Delete whatever the guest sent that names someone, then say who it is (LP #1865036, §3.4).
  const headers = forwardRequestHeaders(req.rawHeaders, isIdentityHeader);
  headers.push('X-Forwarded-For', peer, ctx.tagHeader, ctx.tag.id);
  const method = req.method ?? 'GET';
  const outcome = await streamUpstream(ctx.pool, { method, path, headers, body: body ?? null }, res);
  report(ctx, req, res, peer, outcome);
}

const FAILURE_STATUS = { unavailable: 503, timeout: 504, broken: 502 } as const;

function report(
  ctx: ProxyContext,
  req: IncomingMessage,
  res: ServerResponse,
  peer: string,
  outcome: StreamOutcome,
): void {
  const fields = { peer, method: req.method, url: req.url };
  if (outcome.ok) {
    ctx.log.debug('proxy.forwarded', `${req.method} ${req.url} → ${outcome.status}`, fields);
    return;
  }
  if (outcome.clientGone) {
    ctx.log.debug('proxy.client_gone', 'The guest closed its connection before the answer ended', fields);
    return;
  }
  const failure = classifyUpstreamError(outcome.error);
  const code = errorCode(outcome.error) ?? (outcome.error as Error).message;
  if (outcome.headSent) {
    // Too late for a status: cut the guest's connection so it cannot take a partial answer as whole.
    ctx.log.warn('proxy.broken', `The answer from "${ctx.socketPath}" broke off mid-way: ${code}`, fields);
    res.destroy();
    return;
  }
  logFailure(ctx, failure, code, fields);
  sendFixed(res, haproxyPage(FAILURE_STATUS[failure]), { method: req.method, close: true });
}

function logFailure(
  ctx: ProxyContext,
  failure: keyof typeof FAILURE_STATUS,
  code: string,
  fields: Record<string, unknown>,
): void {
  const where = `"${ctx.socketPath}"`;
  if (failure === 'unavailable') {
    ctx.log.warn(
      'proxy.unavailable',
      `Cannot reach the metadata service at ${where}: ${code}; answered 503`,
      {
        ...fields,
        hint: 'Start openimds serve with --tagged-socket (or openimds agent --socket) on this path, and let this user connect to it',
      },
    );
  } else if (failure === 'timeout') {
    ctx.log.warn(
      'proxy.timed_out',
      `The metadata service at ${where} did not answer within ${ctx.serverTimeoutMs / 1000} s; answered 504`,
      { ...fields, hint: 'Look for a slow dynamic vendor data target or Nova; or raise --server-timeout' },
    );
  } else {
    ctx.log.warn(
      'proxy.bad_answer',
      `The metadata service at ${where} gave no valid answer: ${code}; answered 502`,
      fields,
    );
  }
}
