// The composition root of `openimds serve`: the only place that wires store, rendering, listeners and
// the admin API together. Returns a handle whose close() stops everything it started.
import { randomBytes, randomFillSync, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { Server } from 'node:net';
import { createTokenIssuer } from '../auth/session-token.js';
import type { Config } from '../config.js';
import { parseHostPort } from '../config.js';
import { ImdsError } from '../errors.js';
import { createAdminServer } from '../http/admin-server.js';
import { createConnectionGate, type ConnectionGate } from '../http/connection-gate.js';
import { createGuestServer } from '../http/guest-server.js';
import { GUEST_SERVER_DEFAULTS } from '../http/limited-server.js';
import type { Logger } from '../log.js';
import type { AttachmentSupervisor } from '../service/attachment-supervisor.js';
import { cachedDocBytes } from '../service/cached-doc-bytes.js';
import { createDynamicVendorData, parseDynamicTargets } from '../service/dynamic-vendor-data.js';
import { createGuestHandler, type CachedDoc, type GuestHandlerDeps } from '../service/guest-handler.js';
import { createAdmitter } from '../service/admission.js';
import { createPeerIdentifier } from '../service/identify-by-peer.js';
import { createPortLookupCache, type CachedPortLookup } from '../service/port-lookup-cache.js';
import { createSignedIdentifier } from '../service/identify-signed.js';
import { createTaggedIdentifier } from '../service/identify-tagged.js';
import { closeServer, listenTcp, listenUnix } from '../service/listen.js';
import { createNovaRenderer } from '../service/nova-renderer.js';
import { DEMO_INVENTORY } from './demo.js';
import { createRandomPool } from '../service/random-pool.js';
import { createRenderCache } from '../service/render-cache.js';
import { parseRequiredHeader } from '../service/required-header.js';
import { createTokenAudit, type TokenAudit } from '../service/token-audit.js';
import { createUtcDay } from '../service/utc-day.js';
import type { Store } from '../store/store.js';
import { ensureAdminToken, ensureKeyFile, readSecret } from './secrets.js';

export interface RunningService {
  /** Follows attached networks (namespace listeners); null when attach_networks is off. */
  attachments: AttachmentSupervisor | null;
  /** What is listening, for the start-up message and tests: kind → address. */
  endpoints: Array<{ kind: 'signed' | 'tagged' | 'direct' | 'admin'; address: string }>;
  adminTokenCreated: string | undefined;
  close(): Promise<void>;
}

export interface ServiceOptions {
  config: Config;
  store: Store;
  log: Logger;
  env: NodeJS.ProcessEnv;
  demo: boolean;
  /** Today's UTC date, YYYY-MM-DD (default: the clock); tests pin it to compare with a Nova release. */
  today?: () => string;
}

export async function startService(opts: ServiceOptions): Promise<RunningService> {
  const { config, store, log } = opts;
  if (opts.demo) await seedDemo(store, log);
  const tokenAudit = createTokenAudit({ now: Date.now, log: log.child({ component: 'token-audit' }) });
  const deps = guestDeps(opts, tokenAudit);
  const ports = createPortLookupCache({ store });
  const requiredHeader = parseRequiredHeader(config.requiredHeader);
  const gate = createConnectionGate({
    maxTotal: config.maxGuestConnections,
    maxPerGuest: config.maxConnectionsPerGuest,
    log,
  });
  const servers: Server[] = [];
  const endpoints: RunningService['endpoints'] = [];
  try {
    for (const direct of config.directListeners) {
      const network = store.findNetwork(direct.network);
      if (network === undefined) {
        throw new ImdsError(
          'NETWORK_NOT_FOUND',
          `Cannot start the direct listener on ${direct.listen} as network "${direct.network}" does not exist`,
          {
            hint: 'Add the network first (openimds network add / apply), or fix the name',
          },
        );
      }
      const identify = createPeerIdentifier({
        store: ports,
        networkIds: () => [network.id],
        scope: `network ${network.id}`,
      });
      const server = createGuestServer(
        createGuestHandler({ ...deps, identify, guestIsPeer: true, requiredHeader }),
        log.child({ listener: 'direct', network: network.name }),
        GUEST_SERVER_DEFAULTS,
        { gate, perGuest: true },
      );
      const { host, port } = parseHostPort(direct.listen, 'direct_listeners');
      const bound = await listenTcp(server, host, port, `direct listener of network "${network.name}"`);
      servers.push(server);
      endpoints.push({ kind: 'direct', address: hostPort(bound) });
    }
    await startSigned(opts, deps, gate, servers, endpoints);
    if (config.taggedSocket !== '') {
      const server = createGuestServer(
        createGuestHandler({ ...deps, identify: createTaggedIdentifier({ store: ports }), requiredHeader }),
        log.child({ listener: 'tagged' }),
        GUEST_SERVER_DEFAULTS,
        { gate, perGuest: false },
      );
      await listenUnix(server, config.taggedSocket, 0o660, 'tagged listener');
      servers.push(server);
      endpoints.push({ kind: 'tagged', address: config.taggedSocket });
    }
    const created = await startAdmin(opts, tokenAudit, servers, endpoints);
    const attachments = config.attachNetworks
      ? await createAttachments(
          opts,
          { ...deps, ...(requiredHeader === undefined ? {} : { requiredHeader }) },
          ports,
          gate,
        )
      : null;
    await attachments?.start();
    log.info('service.started', 'openimds is serving', {
      endpoints,
      attached: attachments?.status().serving.map((g) => g.key),
    });
    return {
      endpoints,
      attachments,
      adminTokenCreated: created,
      close: async () => {
        await attachments?.stop();
        await Promise.all(servers.map(closeServer));
        log.info('service.stopped', 'openimds stopped');
      },
    };
  } catch (err) {
    await Promise.all(servers.map(closeServer));
    throw err;
  }
}

// The admin API, the attachment supervisor with its plumbing, and the demo's inventory are loaded
// when used and after the guest listeners listen: the first guest is answered sooner
// (docs/performance.md "Start-up").
async function createAttachments(
  opts: ServiceOptions,
  deps: Omit<GuestHandlerDeps, 'identify'>,
  ports: CachedPortLookup,
  gate: ConnectionGate,
): Promise<AttachmentSupervisor> {
  const { config, store, log } = opts;
  const [
    { createAttachmentSupervisor },
    { openSocket },
    { createPlumbing },
    { awaitNeighbour, checkNeighbour },
    { createNeighbourCache },
    { systemExec },
  ] = await Promise.all([
    import('../service/attachment-supervisor.js'),
    import('../service/namespace-socket.js'),
    import('./plumbing.js'),
    import('../service/neighbour-check.js'),
    import('../net/neighbour-cache.js'),
    import('../net/exec.js'),
  ]);
  return createAttachmentSupervisor({
    store,
    openSocket,
    namespaceExists: (name) => existsSync(`/run/netns/${name}`),
    createServer: (group, networkIds, current) => {
      const scope = `${group.networks.join(', ')} (${group.namespace ?? 'host namespace'})`;
      const listenerLog = log.child({ listener: 'network', namespace: group.namespace });
      // The neighbour check (docs/network.md): a cache per socket, started by the first request on a
      // network that has the check on, stopped with the socket.
      const neighbours = createNeighbourCache({
        namespace: group.namespace,
        exec: systemExec,
        log: listenerLog,
      });
      const check = { store, networkIds, checks: () => current().neighbourChecks, neighbours };
      const identify = checkNeighbour(createPeerIdentifier({ store: ports, networkIds, scope }), check);
      const server = createGuestServer(
        awaitNeighbour(createGuestHandler({ ...deps, identify, guestIsPeer: true }), check),
        listenerLog,
        GUEST_SERVER_DEFAULTS,
        { gate, perGuest: true },
      );
      server.once('close', () => void neighbours.stop());
      return server;
    },
    plumbing: config.applyPlumbing ? createPlumbing({ config, store, log }) : null,
    log,
    pollMs: config.attachPollMs,
  });
}

function guestDeps(opts: ServiceOptions, tokenAudit: TokenAudit): Omit<GuestHandlerDeps, 'identify'> {
  const { config, store, log } = opts;
  const providers = new Set(config.vendordataProviders);
  const staticVendorData = providers.has('StaticJSON') ? readVendorData(config.vendordataJsonFile) : null;
  const targets = providers.has('DynamicJSON')
    ? parseDynamicTargets(config.vendordataDynamicTargets, log)
    : [];
  return {
    cache: createRenderCache<CachedDoc>({
      load: (uuid) => store.findInstanceRecord(uuid),
      maxInstances: config.renderCacheInstances,
      maxBytes: config.renderCacheMib * 1024 * 1024,
      docBytes: cachedDocBytes,
    }),
    renderer: createNovaRenderer({ dhcpDomain: config.dhcpDomain, staticVendorData }),
    store,
    tokens: createTokenIssuer(ensureKeyFile(`${config.dataDir}/token-key`), Date.now),
    dynamicVendorData: createDynamicVendorData({
      targets,
      connectTimeoutSeconds: config.vendordataDynamicConnectTimeoutSeconds,
      readTimeoutSeconds: config.vendordataDynamicReadTimeoutSeconds,
      failureFatal: config.vendordataDynamicFailureFatal,
      fetch: globalThis.fetch,
      log,
    }),
    randomBytes: createRandomPool((buffer) => randomFillSync(buffer)),
    tokenPolicy: { default: config.httpTokens, paths: config.httpTokensPaths },
    tokenAudit,
    admission: createAdmitter({
      ratePerSecond: config.admissionRate,
      burst: config.admissionBurst,
      now: Date.now,
    }),
    today: opts.today ?? createUtcDay(),
    log,
  };
}

async function startSigned(
  opts: ServiceOptions,
  deps: Omit<GuestHandlerDeps, 'identify'>,
  gate: ConnectionGate,
  servers: Server[],
  endpoints: RunningService['endpoints'],
): Promise<void> {
  const { config, store, log } = opts;
  if (config.signedListen === '') return;
  const secret = readSecret(
    { file: config.sharedSecretFile, envVar: 'OPENIMDS_SHARED_SECRET', what: 'shared secret' },
    opts.env,
    log,
  );
  if (secret === undefined) {
    log.warn(
      'signed.disabled',
      `The signed listener (${config.signedListen}) is off as no shared secret is configured`,
      {
        hint: 'Set shared_secret_file (a file with the secret, mode 0600) or OPENIMDS_SHARED_SECRET; it must equal metadata_proxy_shared_secret of the Neutron agent',
      },
    );
    return;
  }
  const identify = createSignedIdentifier({ secret: () => secret, store });
  const server = createGuestServer(
    createGuestHandler({ ...deps, identify }),
    log.child({ listener: 'signed' }),
    GUEST_SERVER_DEFAULTS,
    { gate, perGuest: false },
  );
  const { host, port } = parseHostPort(config.signedListen, 'signed_listen');
  const bound = await listenTcp(server, host, port, 'signed listener');
  servers.push(server);
  endpoints.push({ kind: 'signed', address: hostPort(bound) });
}

async function startAdmin(
  opts: ServiceOptions,
  tokenAudit: TokenAudit,
  servers: Server[],
  endpoints: RunningService['endpoints'],
): Promise<string | undefined> {
  const { config, store, log } = opts;
  if (config.adminListen === '') return undefined;
  const { token, created } = ensureAdminToken(config.adminTokenFile, opts.env, log);
  const { handleAdmin } = await import('../service/admin-api.js');
  const admin = {
    store,
    token,
    log: log.child({ listener: 'admin' }),
    newId: randomUUID,
    randomBytes,
    readFile: refuseFileReads,
    tokenAudit,
  };
  const server = createAdminServer((req) => handleAdmin(admin, req));
  const { host, port } = parseHostPort(config.adminListen, 'admin_listen');
  const bound = await listenTcp(server, host, port, 'admin API');
  servers.push(server);
  endpoints.push({ kind: 'admin', address: hostPort(bound) });
  return created ? config.adminTokenFile : undefined;
}

/**
 * The admin API never reads files named in a request: `user_data_file: /etc/shadow` would otherwise
 * copy any file the service can read into user data, readable back through GET /v1/inventory.
 */
function refuseFileReads(path: string): Buffer {
  throw new ImdsError(
    'VALIDATION_FAILED',
    `Cannot read "${path}" for a request to the admin API, which never reads files`,
    {
      hint: 'Send the content instead: user_data (text) or user_data_base64',
    },
  );
}

function hostPort(bound: { host: string; port: number }): string {
  return bound.host.includes(':') ? `[${bound.host}]:${bound.port}` : `${bound.host}:${bound.port}`;
}

function readVendorData(file: string): Record<string, unknown> {
  if (file === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    // Nova answers 500 to every request then (§2.11); refusing to start is the clearer failure.
    throw new ImdsError(
      'CONFIG_INVALID',
      `Cannot use vendordata_json_file "${file}": ${(err as Error).message}`,
      {
        hint: 'Give a readable file holding one JSON object',
      },
    );
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ImdsError(
      'CONFIG_INVALID',
      `Cannot use vendordata_json_file "${file}" as it does not hold a JSON object`,
    );
  }
  return value as Record<string, unknown>;
}

/** Seeds the demo network and instance into an empty store (never overwrites what a user added). */
async function seedDemo(store: Store, log: Logger): Promise<void> {
  if (store.listNetworks().length > 0 || store.listInstances().length > 0) return;
  const { applyInventoryFile } = await import('../inventory/apply-inventory.js');
  applyInventoryFile({
    store,
    text: DEMO_INVENTORY,
    file: '(demo)',
    readFile: () => Buffer.alloc(0),
    dryRun: false,
    newId: randomUUID,
    randomBytes,
  });
  log.info('demo.seeded', 'Seeded the demo network and instance');
}
