// The guest-facing core shared by every way in (direct, namespace, tagged, signed): identify, then
// answer from the render cache. Only the Identifier differs between listeners.
import type { TokenIssuer } from '../auth/session-token.js';
import { errorResponse, TEXT_CONTENT_TYPE } from '../http/error-page.js';
import type { GuestHandler, GuestRequest, GuestResponse } from '../http/guest-request.js';
import type { Logger } from '../log.js';
import type { MetadataResult } from '../metadata/metadata-result.js';
import type { InstanceRecord } from '../model/instance-record.js';
import type { HttpTokens } from '../model/instance.js';
import type { Store } from '../store/store.js';
import type { Admitter } from './admission.js';
import { headerValue, type Identifier, type Identity } from './identity.js';
import { passwordRoute } from './password-route.js';
import type { RenderCache } from './render-cache.js';
import { createRepeatLog } from './repeat-log.js';
import { carriesRequiredHeader, type RequiredHeader } from './required-header.js';
import type { TokenAudit } from './token-audit.js';
import { isTokenPath, tokenProblem, tokenRoute } from './token-route.js';

/** The rendering functions the handler uses, passed in (src/metadata provides them). */
export interface Renderer {
  /** undefined: a path no lookup can match (bad escapes, NUL); 'root': GET / before identification. */
  normalize(url: string): 'root' | { path: string } | undefined;
  rootListing(): Buffer;
  lookup(
    record: InstanceRecord,
    path: string,
    requestAddress: string | undefined,
    day: string,
  ): MetadataResult;
  vendorData2(staticData: Record<string, unknown> | null, dynamic: Array<[string, unknown]>): Buffer;
  /** Whether a path's document depends on the request address (local-ipv4 fallback), so it must not be cached. */
  dependsOnAddress(record: InstanceRecord, path: string): boolean;
}

export type CachedDoc =
  | { kind: 'response'; response: GuestResponse }
  | { kind: 'seeded'; result: Extract<MetadataResult, { kind: 'seeded' }> }
  | { kind: 'other'; result: MetadataResult };

export interface GuestHandlerDeps {
  identify: Identifier;
  cache: RenderCache<CachedDoc>;
  renderer: Renderer;
  store: Pick<Store, 'setPassword'>;
  tokens: TokenIssuer;
  /** Dynamic vendor data for vendor_data2.json; rejects when a fatal failure should give 500. */
  dynamicVendorData: (record: InstanceRecord) => Promise<Array<[string, unknown]>>;
  randomBytes: (n: number) => Buffer;
  /**
   * Guests reach this listener directly (direct and namespace listeners). A token PUT that carries
   * X-Forwarded-For was relayed by a proxy inside the guest and is refused (403), as AWS does; one
   * pipelined behind another request would escape the token hop limit and is refused (400). Off on
   * the tagged and signed listeners, where X-Forwarded-For is the proxy protocol itself.
   */
  guestIsPeer?: boolean;
  /** Session-token policy; without it tokens are optional on the EC2 paths. */
  tokenPolicy?: TokenPolicy;
  /** Counts and logs tokenless requests of instances whose policy is audit. */
  tokenAudit?: TokenAudit;
  /** A header every request must carry (403 otherwise); set where the guest's own headers arrive. */
  requiredHeader?: RequiredHeader;
  /** Per-instance rate limit (429 beyond it); none: every request is admitted. */
  admission?: Admitter;
  /** Today in UTC, YYYY-MM-DD (future-dated OpenStack versions are hidden until then). */
  today: () => string;
  log: Logger;
}

export interface TokenPolicy {
  /** For instances whose http_tokens is not set. */
  default: HttpTokens;
  /** ec2: the EC2 tree only (clients of the OpenStack tree do not send tokens); all: every path. */
  paths: 'ec2' | 'all';
}

const SEED_BYTES = 512;
/** How long a 429 is held before it is sent. */
const REFUSAL_HOLD_MS = 1000;
const TOKEN_HEADER = 'x-aws-ec2-metadata-token';

export function createGuestHandler(deps: GuestHandlerDeps): GuestHandler {
  const rootResponse: GuestResponse = {
    status: 200,
    headers: { 'content-type': TEXT_CONTENT_TYPE },
    body: deps.renderer.rootListing(),
  };
  const healthResponse: GuestResponse = {
    status: 200,
    headers: { 'content-type': TEXT_CONTENT_TYPE },
    body: Buffer.from('OK'),
  };

  // Refusals repeat as fast as a client can ask: each distinct one is logged once per window.
  const logRefusal = createRepeatLog(deps.log);

  return (req) => {
    const normalized = deps.renderer.normalize(req.url);
    // GET / needs no identification (reference §2.2 step 1); /healthcheck is oslo's, also unauthenticated.
    if (normalized === 'root') return rootResponse;
    if (normalized !== undefined && normalized.path === '/healthcheck') return healthResponse;
    if (deps.requiredHeader !== undefined && !carriesRequiredHeader(deps.requiredHeader, req.headers)) {
      return errorResponse(403, `Requests must carry the header "${deps.requiredHeader.text}".`);
    }
    const found = deps.identify(req);
    if (!found.ok) {
      logRefusal(found.log.event, found.log.msg, found.log.fields);
      return errorResponse(found.status, found.explanation);
    }
    if (normalized === undefined) return errorResponse(404);
    if (deps.admission !== undefined) {
      const admitted = deps.admission.admit(found.identity.instanceUuid);
      if (!admitted.ok) {
        // Held before it is sent (a tarpit): a flooding client waits on every connection it has, so
        // its rate is bounded by its connection cap, and its 429s cost the service next to nothing.
        const refusal = errorResponse(429, 'Too many requests from this instance; retry later.', {
          'retry-after': String(admitted.retryAfterSeconds),
        });
        const holdMs = Math.min(REFUSAL_HOLD_MS, admitted.retryAfterSeconds * 1000);
        return new Promise((resolve) => setTimeout(resolve, holdMs, refusal));
      }
    }
    return answer(deps, req, normalized.path, found.identity);
  };
}

function answer(
  deps: GuestHandlerDeps,
  req: GuestRequest,
  path: string,
  identity: Identity,
): GuestResponse | Promise<GuestResponse> {
  const day = deps.today();
  const entry = deps.cache.entry(identity.instanceUuid, identity.revision, day);
  if (entry === undefined) {
    deps.log.warn(
      'identify.not_found',
      `Cannot find instance "${identity.instanceUuid}" (removed while the request was in flight)`,
      {},
    );
    return errorResponse(404);
  }
  const { record } = entry;
  if (identity.expectedProjectId !== undefined && record.instance.projectId !== identity.expectedProjectId) {
    deps.log.warn(
      'signed.tenant_mismatch',
      `Tenant "${identity.expectedProjectId}" does not match the project of instance "${record.instance.uuid}"`,
      {
        instanceId: record.instance.uuid,
      },
    );
    return errorResponse(404);
  }
  const isEc2 = !path.startsWith('/openstack');
  if (isEc2 && isTokenPath(path))
    return tokenRoute(req, path, record.instance.uuid, deps.tokens, deps.guestIsPeer === true);
  if (isEc2 || deps.tokenPolicy?.paths === 'all') {
    const problem = tokenPolicyProblem(deps, req, record, path);
    if (problem !== undefined) return problem;
  }
  let doc = entry.docs.get(path);
  if (doc === undefined) {
    doc = toCachedDoc(deps.renderer.lookup(record, path, identity.address, day));
    if (!deps.renderer.dependsOnAddress(record, path)) entry.docs.set(path, doc);
  }
  switch (doc.kind) {
    case 'response':
      return doc.response;
    case 'seeded': {
      // Written straight into the body: no Buffer for the seed's text, no concat.
      const { before, after } = doc.result;
      const seed = deps.randomBytes(SEED_BYTES).toString('base64');
      const body = Buffer.allocUnsafe(before.length + seed.length + after.length);
      before.copy(body, 0);
      body.write(seed, before.length, 'latin1');
      after.copy(body, before.length + seed.length);
      return { status: 200, headers: { 'content-type': doc.result.contentType }, body };
    }
    case 'other':
      return otherResult(deps, req, record, doc.result);
  }
}

/** A token sent must be valid; without one, the instance's policy decides (serve, audit or 401). */
function tokenPolicyProblem(
  deps: GuestHandlerDeps,
  req: GuestRequest,
  record: InstanceRecord,
  path: string,
): GuestResponse | undefined {
  const problem = tokenProblem(req, record.instance.uuid, deps.tokens);
  if (problem !== undefined) return problem;
  const policy = record.instance.httpTokens ?? deps.tokenPolicy?.default ?? 'optional';
  if (policy === 'optional') return undefined;
  const hadToken = headerValue(req.headers, TOKEN_HEADER) !== undefined;
  if (policy === 'audit') {
    deps.tokenAudit?.record(record.instance, path, hadToken);
    return undefined;
  }
  if (hadToken) return undefined;
  return errorResponse(
    401,
    'A session token is required: PUT /latest/api/token with X-aws-ec2-metadata-token-ttl-seconds, then send the token as X-aws-ec2-metadata-token.',
  );
}

function toCachedDoc(result: MetadataResult): CachedDoc {
  if (result.kind === 'document') {
    return {
      kind: 'response',
      response: { status: 200, headers: { 'content-type': result.contentType }, body: result.body },
    };
  }
  if (result.kind === 'not-found') return { kind: 'response', response: errorResponse(404) };
  if (result.kind === 'seeded') return { kind: 'seeded', result };
  return { kind: 'other', result };
}

function otherResult(
  deps: GuestHandlerDeps,
  req: GuestRequest,
  record: InstanceRecord,
  result: MetadataResult,
): GuestResponse | Promise<GuestResponse> {
  if (result.kind === 'password') return passwordRoute(req, record.instance, deps.store);
  if (result.kind === 'vendor-data2') {
    return deps.dynamicVendorData(record).then(
      (dynamic) => ({
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: deps.renderer.vendorData2(result.staticData, dynamic),
      }),
      (err: unknown) => {
        deps.log.error(
          'vendordata.failed',
          'Dynamic vendor data failed and vendordata_dynamic_failure_fatal is on',
          { err },
        );
        return errorResponse(500);
      },
    );
  }
  return errorResponse(404);
}
