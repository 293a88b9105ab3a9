// The guest handler of each listener kind, wired as src/cli/service-app.ts wires it (guestDeps and the
// per-listener identifiers) over a real store, for tests that drive it in memory. Only the clock's day
// is pinned and the log is silent unless one is given; rendering, the render cache, tokens, vendor
// data and the identifiers are the real ones, with the defaults of `openimds serve`.
import { randomBytes } from 'node:crypto';
import { createTokenIssuer } from '../../src/auth/session-token.js';
import { defaultConfig } from '../../src/config.js';
import type { GuestHandler } from '../../src/http/guest-request.js';
import { SILENT_LOGGER, type Logger } from '../../src/log.js';
import { createDynamicVendorData } from '../../src/service/dynamic-vendor-data.js';
import {
  createGuestHandler,
  type CachedDoc,
  type GuestHandlerDeps,
} from '../../src/service/guest-handler.js';
import { createPeerIdentifier } from '../../src/service/identify-by-peer.js';
import { createSignedIdentifier } from '../../src/service/identify-signed.js';
import { createTaggedIdentifier } from '../../src/service/identify-tagged.js';
import { createNovaRenderer } from '../../src/service/nova-renderer.js';
import { cachedDocBytes } from '../../src/service/cached-doc-bytes.js';
import { createRenderCache } from '../../src/service/render-cache.js';
import { createTokenAudit } from '../../src/service/token-audit.js';
import type { Store } from '../../src/store/store.js';

export interface InProcessGuest {
  /** A direct (or namespace) listener serving these networks: the peer address identifies the guest. */
  peer(networkIds: readonly string[]): GuestHandler;
  signed: GuestHandler;
  tagged: GuestHandler;
}

export function inProcessGuest(opts: {
  store: Store;
  secret: string;
  /** Render cache size; small values exercise eviction. Default: serve's default. */
  cacheInstances?: number;
  today?: string;
  /** Where the handlers log (default: nowhere). */
  log?: Logger;
}): InProcessGuest {
  const config = defaultConfig({ uid: 1000, home: '/nonexistent' });
  const { store } = opts;
  const deps: Omit<GuestHandlerDeps, 'identify'> = {
    cache: createRenderCache<CachedDoc>({
      load: (uuid) => store.findInstanceRecord(uuid),
      maxInstances: opts.cacheInstances ?? config.renderCacheInstances,
      maxBytes: config.renderCacheMib * 1024 * 1024,
      docBytes: cachedDocBytes,
    }),
    renderer: createNovaRenderer({ dhcpDomain: config.dhcpDomain, staticVendorData: {} }),
    store,
    tokens: createTokenIssuer(randomBytes(32), Date.now),
    dynamicVendorData: createDynamicVendorData({
      targets: [],
      connectTimeoutSeconds: config.vendordataDynamicConnectTimeoutSeconds,
      readTimeoutSeconds: config.vendordataDynamicReadTimeoutSeconds,
      failureFatal: config.vendordataDynamicFailureFatal,
      fetch: () => Promise.reject(new Error('no network in this test')),
      log: SILENT_LOGGER,
    }),
    randomBytes,
    tokenPolicy: { default: config.httpTokens, paths: config.httpTokensPaths },
    tokenAudit: createTokenAudit({ now: Date.now, log: SILENT_LOGGER }),
    // No admission: a fuzz run sends thousands of requests per instance, which admission would answer
    // 429 (test/integration/guest-policy.test.ts covers it).
    today: () => opts.today ?? new Date().toISOString().slice(0, 10),
    log: opts.log ?? SILENT_LOGGER,
  };
  return {
    peer: (networkIds) =>
      createGuestHandler({
        ...deps,
        identify: createPeerIdentifier({ store, networkIds: () => networkIds, scope: 'network (test)' }),
        guestIsPeer: true,
      }),
    signed: createGuestHandler({
      ...deps,
      identify: createSignedIdentifier({ secret: () => opts.secret, store }),
    }),
    tagged: createGuestHandler({ ...deps, identify: createTaggedIdentifier({ store }) }),
  };
}
