// The admin API: HTTP + JSON on loopback with a bearer token. Writes take the inventory's item shapes
// (snake_case, docs/inventory.md) and go through the inventory path (inventory-edit.ts), so the
// validation and its messages are the same as `openimds apply`. Reads return the stored model.
import { parse as parseYaml } from 'yaml';
import { secretEquals } from '../auth/signature.js';
import { ImdsError, toImdsError } from '../errors.js';
import { applyInventoryFile } from '../inventory/apply-inventory.js';
import { formatPlan, type InventoryPlan } from '../inventory/diff-inventory.js';
import { exportInventory } from '../inventory/export-inventory.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/store.js';
import { adminOpenApi } from './admin-openapi.js';
import {
  addItem,
  editInventory,
  removeEntity,
  replaceItem,
  type EditDeps,
  type EntityKind,
  type Item,
} from './inventory-edit.js';
import { portEdits } from './port-edits.js';
import type { TokenAudit } from './token-audit.js';

export interface AdminRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface AdminResponse {
  status: number;
  contentType: string;
  body: string;
}

export interface AdminDeps extends EditDeps {
  token: string;
  log: Logger;
  /** Tokenless-request counts of instances under http_tokens: audit (GET /v1/token-audit). */
  tokenAudit?: Pick<TokenAudit, 'snapshot'>;
}

type Params = Record<string, string>;
type Handler = (deps: AdminDeps, req: AdminRequest, params: Params) => AdminResponse;

const json = (status: number, value: unknown): AdminResponse => ({
  status,
  contentType: 'application/json',
  body: JSON.stringify(value, null, 2) + '\n',
});

/** Every route, one row each: method, path pattern, handler. */
const ROUTES: Array<[string, string, Handler]> = [
  ['GET', '/v1/routers', (d) => json(200, d.store.listRouters())],
  ['POST', '/v1/routers', (d, r) => write(d, r, (doc, item) => addItem(doc, 'routers', item), 201)],
  [
    'GET',
    '/v1/routers/:key',
    (d, _r, p) => json(200, found(d.store.findRouter(p['key']!), 'ROUTER_NOT_FOUND', 'router', p['key']!)),
  ],
  [
    'PUT',
    '/v1/routers/:key',
    (d, r, p) => write(d, r, (doc, item) => replaceItem(doc, 'routers', p['key']!, item)),
  ],
  ['DELETE', '/v1/routers/:key', (d, r, p) => remove(d, r, 'routers', p['key']!)],
  ['GET', '/v1/networks', (d) => json(200, d.store.listNetworks())],
  ['POST', '/v1/networks', (d, r) => write(d, r, (doc, item) => addItem(doc, 'networks', item), 201)],
  [
    'GET',
    '/v1/networks/:key',
    (d, _r, p) => json(200, found(d.store.findNetwork(p['key']!), 'NETWORK_NOT_FOUND', 'network', p['key']!)),
  ],
  [
    'PUT',
    '/v1/networks/:key',
    (d, r, p) => write(d, r, (doc, item) => replaceItem(doc, 'networks', p['key']!, item)),
  ],
  ['DELETE', '/v1/networks/:key', (d, r, p) => remove(d, r, 'networks', p['key']!)],
  ['GET', '/v1/instances', (d) => json(200, d.store.listInstances().map(publicInstance))],
  ['POST', '/v1/instances', (d, r) => write(d, r, (doc, item) => addItem(doc, 'instances', item), 201)],
  ['GET', '/v1/instances/:key', (d, _r, p) => json(200, instanceWithPorts(d.store, p['key']!))],
  [
    'PUT',
    '/v1/instances/:key',
    (d, r, p) => write(d, r, (doc, item) => replaceItem(doc, 'instances', p['key']!, item)),
  ],
  ['DELETE', '/v1/instances/:key', (d, r, p) => remove(d, r, 'instances', p['key']!)],
  ['DELETE', '/v1/instances/:key/password', (d, _r, p) => clearPassword(d.store, p['key']!)],
  ['GET', '/v1/ports', (d, r) => json(200, d.store.listPorts(r.query.get('instance') ?? undefined))],
  ['POST', '/v1/ports', (d, r) => write(d, r, (doc, item) => portEdits.add(doc, item), 201)],
  [
    'GET',
    '/v1/ports/:id',
    (d, _r, p) => json(200, found(d.store.findPort(p['id']!), 'PORT_NOT_FOUND', 'port', p['id']!)),
  ],
  ['PUT', '/v1/ports/:id', (d, r, p) => write(d, r, (doc, item) => portEdits.replace(doc, p['id']!, item))],
  ['DELETE', '/v1/ports/:id', (d, r, p) => mutate(d, r, (doc) => portEdits.remove(doc, p['id']!))],
  [
    'GET',
    '/v1/inventory',
    (d) => ({ status: 200, contentType: 'application/yaml', body: exportInventory(d.store.snapshot()) }),
  ],
  ['POST', '/v1/inventory', applyInventoryRoute],
  ['GET', '/v1/token-audit', (d) => json(200, tokenAuditReport(d))],
];

function tokenAuditReport(d: AdminDeps) {
  return {
    instances: (d.tokenAudit?.snapshot() ?? []).map((e) => ({
      instance_uuid: e.instanceUuid,
      instance_name: e.instanceName,
      tokenless_requests: e.tokenless,
      token_requests: e.withToken,
      first_tokenless_at: e.firstTokenlessAt,
      last_tokenless_at: e.lastTokenlessAt,
      last_tokenless_path: e.lastTokenlessPath,
    })),
  };
}

/** Handles one admin request; never throws (errors become the error model as JSON). */
export function handleAdmin(deps: AdminDeps, req: AdminRequest): AdminResponse {
  try {
    if (req.method === 'GET' && req.path === '/v1/openapi.json') return json(200, adminOpenApi());
    if (!authorised(deps.token, req.headers['authorization'])) {
      throw new ImdsError('UNAUTHORIZED', 'Cannot accept the request as it carries no valid bearer token', {
        hint: 'Send "Authorization: Bearer <token>"; the token is in the admin token file (see openimds serve --help)',
      });
    }
    const match = route(req.method, req.path);
    return match.handler(deps, req, match.params);
  } catch (err) {
    const e = toImdsError(err);
    if (e.code === 'INTERNAL') deps.log.error('admin.failed', e.message, { err, path: req.path });
    // The store refused a write (full filesystem, lock): the operator must hear of it, not only the client.
    else if (e.code === 'STORE_FULL' || e.code === 'STORE_UNAVAILABLE')
      deps.log.error('admin.store_failed', e.message, { code: e.code, hint: e.hint, path: req.path });
    return json(e.status, { error: e.toJSON() });
  }
}

function route(method: string, path: string): { handler: Handler; params: Params } {
  let pathMatched = false;
  for (const [m, pattern, handler] of ROUTES) {
    const params = matchPath(pattern, path);
    if (params === undefined) continue;
    pathMatched = true;
    if (m === method) return { handler, params };
  }
  if (pathMatched)
    throw new ImdsError('METHOD_NOT_ALLOWED', `Cannot ${method} ${path}`, {
      hint: 'See GET /v1/openapi.json for the methods of each path',
    });
  throw new ImdsError('ROUTE_NOT_FOUND', `Cannot find the admin API path "${path}"`, {
    hint: 'See GET /v1/openapi.json',
  });
}

function matchPath(pattern: string, path: string): Params | undefined {
  const want = pattern.split('/');
  const got = path.replace(/\/+$/, '').split('/');
  if (want.length !== got.length) return undefined;
  const params: Params = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i]!.startsWith(':')) {
      try {
        params[want[i]!.slice(1)] = decodeURIComponent(got[i]!);
      } catch {
        return undefined;
      }
    } else if (want[i] !== got[i]) return undefined;
  }
  return params;
}

function authorised(token: string, header: string | string[] | undefined): boolean {
  const value = Array.isArray(header) ? header.join(',') : (header ?? '');
  const m = /^Bearer (\S{1,512})$/.exec(value);
  return m !== null && secretEquals(m[1]!, token);
}

function write(
  deps: AdminDeps,
  req: AdminRequest,
  edit: (doc: Parameters<Parameters<typeof editInventory>[1]>[0], item: Item) => void,
  okStatus = 200,
): AdminResponse {
  const item = jsonBody(req);
  return mutate(deps, req, (doc) => edit(doc, item), okStatus);
}

function remove(deps: AdminDeps, req: AdminRequest, kind: EntityKind, key: string): AdminResponse {
  const dryRun = isDryRun(req);
  return planResponse(deps, removeEntity(deps, kind, key, dryRun), !dryRun, 200);
}

function mutate(
  deps: AdminDeps,
  req: AdminRequest,
  edit: Parameters<typeof editInventory>[1],
  okStatus = 200,
): AdminResponse {
  const dryRun = isDryRun(req);
  const plan = editInventory(deps, edit, dryRun);
  return planResponse(deps, plan, !dryRun, okStatus);
}

function applyInventoryRoute(deps: AdminDeps, req: AdminRequest): AdminResponse {
  const type = String(req.headers['content-type'] ?? 'application/yaml');
  if (!/^(application\/(json|yaml|x-yaml)|text\/(yaml|x-yaml|plain))\b/.test(type)) {
    throw new ImdsError('UNSUPPORTED_MEDIA_TYPE', `Cannot read an inventory sent as "${type}"`, {
      hint: 'Send application/yaml or application/json',
    });
  }
  const { plan, applied } = applyInventoryFile({
    store: deps.store,
    text: req.body.toString('utf8'),
    file: '(request body)',
    readFile: deps.readFile,
    dryRun: isDryRun(req),
    newId: deps.newId,
    randomBytes: deps.randomBytes,
  });
  return planResponse(deps, plan, applied, 200);
}

function planResponse(
  deps: AdminDeps,
  plan: InventoryPlan,
  applied: boolean,
  okStatus: number,
): AdminResponse {
  const lines = formatPlan(plan)
    .split('\n')
    .filter((l) => l !== '');
  if (applied && !plan.empty)
    deps.log.info('admin.applied', `Applied ${lines.length} change(s) through the admin API`, {
      changes: lines,
    });
  return json(plan.empty && okStatus === 201 ? 200 : okStatus, {
    applied: applied && !plan.empty,
    empty: plan.empty,
    changes: lines,
  });
}

function isDryRun(req: AdminRequest): boolean {
  const v = req.query.get('dry_run');
  return v !== null && v !== '0' && v !== 'false';
}

function jsonBody(req: AdminRequest): Item {
  const type = String(req.headers['content-type'] ?? '');
  if (!type.startsWith('application/json')) {
    throw new ImdsError(
      'UNSUPPORTED_MEDIA_TYPE',
      `Cannot read a body sent as "${type || '(no content type)'}"`,
      { hint: 'Send Content-Type: application/json' },
    );
  }
  let value: unknown;
  try {
    value = parseYaml(req.body.toString('utf8'), { schema: 'json' }) as unknown;
  } catch (err) {
    throw new ImdsError(
      'VALIDATION_FAILED',
      `Cannot parse the request body as JSON: ${(err as Error).message.split('\n')[0]}`,
    );
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ImdsError('VALIDATION_FAILED', 'Cannot use the request body as it is not a JSON object');
  }
  return value as Item;
}

function found<T>(
  value: T | undefined,
  code: 'ROUTER_NOT_FOUND' | 'NETWORK_NOT_FOUND' | 'PORT_NOT_FOUND',
  what: string,
  key: string,
): T {
  if (value === undefined) throw new ImdsError(code, `Cannot find ${what} "${key}"`);
  return value;
}

function instanceWithPorts(store: Store, key: string): unknown {
  const instance = store.findInstance(key);
  if (instance === undefined) throw new ImdsError('INSTANCE_NOT_FOUND', `Cannot find instance "${key}"`);
  return { ...publicInstance(instance), ports: store.listPorts(instance.uuid) };
}

function clearPassword(store: Store, key: string): AdminResponse {
  const instance = store.findInstance(key);
  if (instance === undefined) throw new ImdsError('INSTANCE_NOT_FOUND', `Cannot find instance "${key}"`);
  store.clearPassword(instance.uuid);
  return json(200, { cleared: true });
}

/** User data as base64 and the password only as "is it set": the admin API never echoes a guest secret. */
function publicInstance(i: ReturnType<Store['listInstances']>[number]): Record<string, unknown> {
  const { userData, password, ...rest } = i;
  return {
    ...rest,
    userDataBase64: userData === null ? null : userData.toString('base64'),
    passwordSet: password !== null,
  };
}
