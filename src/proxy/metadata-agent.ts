// `openimds agent`: Neutron's metadata agent (reference §3.5), for sites that keep a real Nova. It
// takes tagged requests on a UNIX socket (from haproxy or `openimds proxy`), resolves (network |
// router, address) to exactly one port and so one instance, signs the instance id with the shared
// secret and re-issues the guest's method, path, query and body to Nova with only the four headers
// of §3.5.3. Nova's status is mapped as §3.5.4; the body and content type pass through byte for
// byte (Neutron decompresses gzip user data and fails on binary bodies, §3.5.5 / F16: we do not).
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Pool } from 'undici';
import { GUEST_SERVER_DEFAULTS, type GuestServerLimits } from '../http/limited-server.js';
import type { Logger } from '../log.js';
import { createTaggedIdentifier } from '../service/identify-tagged.js';
import type { Identifier } from '../service/identity.js';
import { listenUnix } from '../service/listen.js';
import type { PortLookup } from '../service/resolve-port.js';
import type { Store, StoreReads } from '../store/store.js';
import { closeForwardServer, createForwardServer } from './forward-server.js';
import { neutronPage } from './neutron-page.js';
import { novaHeaders } from './nova-headers.js';
import { decideNovaStatus, reportNovaOutcome, type NovaTarget } from './nova-outcome.js';
import { originPath } from './origin-path.js';
import { FORWARD_BODY_MAX_BYTES, readBody } from './read-body.js';
import { sendFixed } from './send-fixed.js';
import { streamUpstream } from './stream-upstream.js';

export type AgentStore = PortLookup & Pick<StoreReads, 'networkIdsOfRouter'> & Pick<Store, 'findInstance'>;

export interface NovaOptions {
  /** python-requests' timeout in Neutron (§3.5.3): 60 s, longer than haproxy's 32 s on purpose. */
  timeoutMs: number;
  connectTimeoutMs: number;
  connections: number;
}

export const NOVA_DEFAULTS: NovaOptions = { timeoutMs: 60_000, connectTimeoutMs: 10_000, connections: 128 };

export interface MetadataAgentOptions {
  socketPath: string;
  /** Who may connect: the socket's permissions are the trust boundary (default 0660). */
  socketMode?: number;
  store: AgentStore;
  /** Nova [neutron] metadata_proxy_shared_secret. Never logged. */
  secret: string;
  /** Nova's metadata API, e.g. http://127.0.0.1:8775 (a path prefix is kept). */
  novaUrl: string;
  nova?: Partial<NovaOptions>;
  limits?: GuestServerLimits;
  log: Logger;
}

export interface RunningAgent {
  socketPath: string;
  close(graceMs?: number): Promise<void>;
}

interface AgentContext {
  identify: Identifier;
  store: AgentStore;
  secret: string;
  pool: Pool;
  /** Nova's path prefix, if --nova-url has one. */
  basePath: string;
  nova: NovaTarget;
  log: Logger;
}

export async function startMetadataAgent(opts: MetadataAgentOptions): Promise<RunningAgent> {
  const nova = { ...NOVA_DEFAULTS, ...opts.nova };
  const url = new URL(opts.novaUrl);
  const pool = new Pool(url.origin, {
    connections: nova.connections,
    connectTimeout: nova.connectTimeoutMs,
    headersTimeout: nova.timeoutMs,
    bodyTimeout: nova.timeoutMs,
  });
  const basePath = url.pathname.replace(/\/+$/, '');
  const ctx: AgentContext = {
    identify: createTaggedIdentifier({ store: opts.store }),
    store: opts.store,
    secret: opts.secret,
    pool,
    basePath,
    nova: { base: url.origin + basePath, timeoutMs: nova.timeoutMs, log: opts.log },
    log: opts.log,
  };
  const server = createForwardServer(
    (req, res) => handle(ctx, req, res),
    opts.log,
    opts.limits ?? GUEST_SERVER_DEFAULTS,
  );
  try {
    await listenUnix(server, opts.socketPath, opts.socketMode ?? 0o660, 'metadata agent');
  } catch (err) {
    await pool.destroy();
    throw err;
  }
  opts.log.info('agent.started', `Forwarding tagged requests from "${opts.socketPath}" to ${ctx.nova.base}`);
  return { socketPath: opts.socketPath, close: (graceMs = 5_000) => stop(server, pool, opts.log, graceMs) };
}

async function stop(server: Server, pool: Pool, log: Logger, graceMs: number): Promise<void> {
  await closeForwardServer(server, graceMs);
  await pool.destroy();
  log.info('agent.stopped', 'The metadata agent stopped');
}

async function handle(ctx: AgentContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req);
  if (body === 'aborted') return;
  const method = req.method ?? 'GET';
  const path = originPath(req.url ?? '');
  if (body === 'too-large' || path === undefined) {
    const page =
      body === 'too-large'
        ? neutronPage(413, `The request body is larger than ${FORWARD_BODY_MAX_BYTES} bytes.`)
        : neutronPage(400, 'The request target is not a path.');
    return sendFixed(res, page, { method, close: true });
  }
  const who = findInstance(ctx, req);
  if ('status' in who) return sendFixed(res, neutronPage(who.status, who.message), { method });
  const outcome = await streamUpstream(
    ctx.pool,
    {
      method,
      path: ctx.basePath + path,
      headers: novaHeaders(req.headers, who, ctx.secret),
      body: body ?? null,
    },
    res,
    (status) => decideNovaStatus(ctx.nova, status, who.uuid),
  );
  reportNovaOutcome(ctx.nova, req, res, who.uuid, outcome);
}

type Found = { uuid: string; projectId: string } | { status: number; message: string };

/** §3.5.2: exactly one port on the tagged network (or the router's networks) at X-Forwarded-For. */
function findInstance(ctx: AgentContext, req: IncomingMessage): Found {
  const found = ctx.identify({ headers: req.headers, peerAddress: '' });
  if (!found.ok) {
    ctx.log.warn(found.log.event, found.log.msg, found.log.fields);
    return { status: found.status, message: found.explanation ?? 'Instance was not found.' };
  }
  const uuid = found.identity.instanceUuid;
  const instance = ctx.store.findInstance(uuid);
  if (instance === undefined) {
    ctx.log.warn(
      'identify.not_found',
      `Cannot find instance "${uuid}" (removed while the request was in flight)`,
    );
    return { status: 404, message: `Instance ${uuid} was not found.` };
  }
  return { uuid, projectId: instance.projectId };
}
