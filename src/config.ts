// Configuration: one table of settings with defaults and units, validated once at start-up
// (STYLE.md, after fastify). Sources, later ones win: the YAML config file, OPENIMDS_* environment
// variables, command-line flags. Secrets are never values here: only the files (or environment
// variables) to read them from, so they never show in `ps`.
import { ImdsError } from './errors.js';

export interface DirectListenerConfig {
  /** host:port, e.g. "127.0.0.1:8775" or "169.254.169.254:80". */
  listen: string;
  /** Network (name or id) whose ports are resolved by the TCP peer address. */
  network: string;
}

export interface Config {
  dataDir: string;
  /** Runtime files others must read (dnsmasq drops to "nobody"): dnsmasq hosts/options files. */
  runDir: string;
  /** SQLite database file; default <dataDir>/openimds.sqlite. */
  database: string;
  /** Signed listener (Nova's protocol): host:port, or "" for off. */
  signedListen: string;
  /** File holding the shared secret (Nova [neutron] metadata_proxy_shared_secret). */
  sharedSecretFile: string;
  /** Tagged listener (Neutron proxy→agent protocol): UNIX socket path, or "" for off. */
  taggedSocket: string;
  directListeners: DirectListenerConfig[];
  /** Admin API: host:port, or "" for off. */
  adminListen: string;
  /** File holding the admin bearer token; generated on first start when absent. */
  adminTokenFile: string;
  /** Nova [api] dhcp_domain: suffix for hostnames; "" disables it. */
  dhcpDomain: string;
  /** Nova [api] vendordata_providers. */
  vendordataProviders: Array<'StaticJSON' | 'DynamicJSON'>;
  /** Nova [api] vendordata_jsonfile_path; "" → {}. */
  vendordataJsonFile: string;
  /** Nova [api] vendordata_dynamic_targets: "name@url". */
  vendordataDynamicTargets: string[];
  vendordataDynamicConnectTimeoutSeconds: number;
  vendordataDynamicReadTimeoutSeconds: number;
  vendordataDynamicFailureFatal: boolean;
  /** Rendered documents kept in memory, by instance count. */
  renderCacheInstances: number;
  /** Rendered documents kept in memory, by their estimated size (MiB). */
  renderCacheMib: number;
  /** Serve the networks that have `attach` (namespace listeners), following the store. */
  attachNetworks: boolean;
  /** Apply the plumbing (addresses, nft, dnsmasq) of attached networks; off when another tool does it. */
  applyPlumbing: boolean;
  /** How often the store and the namespaces are checked for changes to attached networks. */
  attachPollMs: number;
  /** Session-token policy of instances that set no http_tokens (docs/security.md). */
  httpTokens: 'optional' | 'audit' | 'required';
  /** Paths the token policy covers: the EC2 tree, or every path (also /openstack). */
  httpTokensPaths: 'ec2' | 'all';
  /** "Name: value" or "Name" every guest request must carry on direct, namespace and tagged listeners; "" = off. */
  requiredHeader: string;
  /** Requests per second refilled per instance (fair admission); 0 = no limit. */
  admissionRate: number;
  /** Requests an idle instance may make at once; sized to a full cloud-init boot. */
  admissionBurst: number;
  /** Open guest connections over all listeners; 0 = no cap. */
  maxGuestConnections: number;
  /** Open connections per guest address where the peer is the guest (direct, namespace); 0 = no cap. */
  maxConnectionsPerGuest: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** "auto": text on a terminal, JSON lines otherwise. */
  logFormat: 'auto' | 'json' | 'text';
}

type Kind = 'string' | 'number' | 'boolean' | 'list' | 'listeners';

interface Setting {
  key: keyof Config;
  kind: Kind;
  doc: string;
  enum?: readonly string[];
  min?: number;
  max?: number;
}

/** Every setting, one row each. The YAML key is snake_case, the env twin OPENIMDS_<KEY>, the flag --kebab-case. */
export const SETTINGS: readonly Setting[] = [
  { key: 'dataDir', kind: 'string', doc: 'Directory for the database, generated secrets and sockets' },
  { key: 'runDir', kind: 'string', doc: 'Directory for runtime files dnsmasq reads (world-readable)' },
  { key: 'database', kind: 'string', doc: 'SQLite database file (default <data-dir>/openimds.sqlite)' },
  { key: 'signedListen', kind: 'string', doc: 'Signed listener host:port (Nova protocol; "" = off)' },
  { key: 'sharedSecretFile', kind: 'string', doc: 'File with the shared secret for signed requests' },
  {
    key: 'taggedSocket',
    kind: 'string',
    doc: 'Tagged listener UNIX socket (Neutron proxy protocol; "" = off)',
  },
  {
    key: 'directListeners',
    kind: 'listeners',
    doc: 'Direct listeners, "host:port=network" (peer address identifies the guest)',
  },
  { key: 'adminListen', kind: 'string', doc: 'Admin API host:port ("" = off)' },
  { key: 'adminTokenFile', kind: 'string', doc: 'File with the admin bearer token (generated when absent)' },
  { key: 'dhcpDomain', kind: 'string', doc: 'Hostname suffix, as Nova [api] dhcp_domain ("" = none)' },
  {
    key: 'vendordataProviders',
    kind: 'list',
    enum: ['StaticJSON', 'DynamicJSON'],
    doc: 'Vendor data providers, as Nova [api] vendordata_providers',
  },
  { key: 'vendordataJsonFile', kind: 'string', doc: 'Static vendor data JSON file ("" = {})' },
  { key: 'vendordataDynamicTargets', kind: 'list', doc: 'Dynamic vendor data targets "name@url"' },
  {
    key: 'vendordataDynamicConnectTimeoutSeconds',
    kind: 'number',
    min: 3,
    max: 600,
    doc: 'Dynamic vendor data connect timeout (Nova: 5, min 3)',
  },
  {
    key: 'vendordataDynamicReadTimeoutSeconds',
    kind: 'number',
    min: 0,
    max: 600,
    doc: 'Dynamic vendor data read timeout (Nova: 5)',
  },
  {
    key: 'vendordataDynamicFailureFatal',
    kind: 'boolean',
    doc: 'Answer 500 when a dynamic vendor data call fails (Nova: false)',
  },
  {
    key: 'renderCacheInstances',
    kind: 'number',
    min: 0,
    max: 10_000_000,
    doc: 'Instances whose rendered documents are kept in memory',
  },
  {
    key: 'renderCacheMib',
    kind: 'number',
    min: 0,
    max: 1_048_576,
    doc: 'Memory (MiB, estimated) the rendered documents may hold; 0: bounded by count only',
  },
  {
    key: 'httpTokens',
    kind: 'string',
    enum: ['optional', 'audit', 'required'],
    doc: 'Session-token policy for instances without http_tokens: optional, audit (serve, count and log tokenless requests) or required (401 without a token)',
  },
  {
    key: 'httpTokensPaths',
    kind: 'string',
    enum: ['ec2', 'all'],
    doc: 'Paths the token policy covers: ec2 (the EC2 tree) or all (the /openstack tree too)',
  },
  {
    key: 'requiredHeader',
    kind: 'string',
    doc: 'Header every guest request must carry, "Name: value" or "Name" (403 otherwise; "" = off)',
  },
  {
    key: 'admissionRate',
    kind: 'number',
    min: 0,
    max: 1_000_000,
    doc: 'Requests per second each instance may make once its burst is spent (429 beyond; 0 = no limit)',
  },
  {
    key: 'admissionBurst',
    kind: 'number',
    min: 1,
    max: 1_000_000,
    doc: 'Requests an idle instance may make at once (a cloud-init boot makes about 80)',
  },
  {
    key: 'maxGuestConnections',
    kind: 'number',
    min: 0,
    max: 1_000_000,
    doc: 'Open guest connections over all listeners (0 = no cap)',
  },
  {
    key: 'maxConnectionsPerGuest',
    kind: 'number',
    min: 0,
    max: 1_000_000,
    doc: 'Open connections per guest address on direct and namespace listeners (0 = no cap)',
  },
  {
    key: 'logLevel',
    kind: 'string',
    enum: ['debug', 'info', 'warn', 'error'],
    doc: 'Least severe log level written',
  },
  {
    key: 'logFormat',
    kind: 'string',
    enum: ['auto', 'json', 'text'],
    doc: 'Log format: JSON lines, readable text, or auto (text on a terminal)',
  },
];

export function defaultConfig(env: { uid: number; home: string }): Config {
  const dataDir = env.uid === 0 ? '/var/lib/openimds' : `${env.home}/.local/share/openimds`;
  return {
    dataDir,
    runDir: '/run/openimds',
    database: '',
    signedListen: '127.0.0.1:8775',
    sharedSecretFile: '',
    taggedSocket: '',
    directListeners: [],
    adminListen: '127.0.0.1:8779',
    adminTokenFile: '',
    dhcpDomain: 'novalocal',
    vendordataProviders: ['StaticJSON'],
    vendordataJsonFile: '',
    vendordataDynamicTargets: [],
    vendordataDynamicConnectTimeoutSeconds: 5,
    vendordataDynamicReadTimeoutSeconds: 5,
    vendordataDynamicFailureFatal: false,
    renderCacheInstances: 20_000,
    renderCacheMib: 32,
    attachNetworks: true,
    applyPlumbing: true,
    attachPollMs: 1000,
    httpTokens: 'optional',
    httpTokensPaths: 'ec2',
    requiredHeader: '',
    admissionRate: 20,
    admissionBurst: 200,
    maxGuestConnections: 4096,
    maxConnectionsPerGuest: 64,
    logLevel: 'info',
    logFormat: 'auto',
  };
}

export const snakeCase = (key: string): string => key.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
export const kebabCase = (key: string): string => key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
export const envName = (key: string): string => 'OPENIMDS_' + snakeCase(key).toUpperCase();

export type ConfigLayer = Partial<Record<keyof Config, unknown>>;

/** Reads the OPENIMDS_* twins of every setting from an environment. */
export function configFromEnv(env: NodeJS.ProcessEnv): ConfigLayer {
  const layer: ConfigLayer = {};
  for (const s of SETTINGS) {
    const v = env[envName(s.key)];
    if (v !== undefined) layer[s.key] = v;
  }
  return layer;
}

/** Maps a parsed YAML config file (snake_case keys) to a layer; unknown keys are an error. */
export function configFromFile(doc: unknown, file: string): ConfigLayer {
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ImdsError(
      'CONFIG_INVALID',
      `Cannot read config file "${file}" as its top level is not a mapping`,
    );
  }
  const bySnake = new Map(SETTINGS.map((s) => [snakeCase(s.key), s.key]));
  const layer: ConfigLayer = {};
  for (const [k, v] of Object.entries(doc)) {
    const key = bySnake.get(k);
    if (key === undefined) {
      throw new ImdsError('CONFIG_INVALID', `Cannot read config file "${file}" as key "${k}" is unknown`, {
        hint: `Known keys: ${[...bySnake.keys()].join(', ')}`,
      });
    }
    layer[key] = v;
  }
  return layer;
}

/** Applies layers over the defaults, converting and checking each value against its row. */
export function resolveConfig(
  defaults: Config,
  layers: Array<{ source: string; layer: ConfigLayer }>,
): Config {
  const out: Config = { ...defaults };
  for (const { source, layer } of layers) {
    for (const s of SETTINGS) {
      const raw = layer[s.key];
      if (raw === undefined) continue;
      (out as unknown as Record<string, unknown>)[s.key] = convert(s, raw, source);
    }
  }
  if (out.database === '') out.database = `${out.dataDir}/openimds.sqlite`;
  if (out.adminTokenFile === '') out.adminTokenFile = `${out.dataDir}/admin-token`;
  return out;
}

function convert(s: Setting, raw: unknown, source: string): unknown {
  const bad = (why: string): never => {
    throw new ImdsError(
      'CONFIG_INVALID',
      `Cannot use ${snakeCase(s.key)} from ${source} as ${why}: ${JSON.stringify(raw)}`,
      {
        hint: s.doc,
      },
    );
  };
  switch (s.kind) {
    case 'string': {
      if (typeof raw !== 'string') return bad('it is not a string');
      if (s.enum && !s.enum.includes(raw)) return bad(`it must be one of ${s.enum.join(', ')}`);
      return raw;
    }
    case 'number': {
      const n =
        typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
      if (!Number.isFinite(n)) return bad('it is not a number');
      if ((s.min !== undefined && n < s.min) || (s.max !== undefined && n > s.max)) {
        return bad(`it must be ${s.min}..${s.max}`);
      }
      return n;
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === '1' || raw === 'yes') return true;
      if (raw === 'false' || raw === '0' || raw === 'no' || raw === '') return false;
      return bad('it is not true or false');
    }
    case 'list': {
      const list =
        typeof raw === 'string'
          ? raw
              .split(',')
              .map((x) => x.trim())
              .filter(Boolean)
          : raw;
      if (!Array.isArray(list) || !list.every((x) => typeof x === 'string'))
        return bad('it is not a list of strings');
      if (s.enum)
        for (const x of list) if (!s.enum.includes(x)) bad(`"${x}" is not one of ${s.enum.join(', ')}`);
      return list;
    }
    case 'listeners':
      return parseListeners(raw, bad);
  }
}

function parseListeners(raw: unknown, bad: (why: string) => never): DirectListenerConfig[] {
  const items =
    typeof raw === 'string'
      ? raw
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean)
      : raw;
  if (!Array.isArray(items)) return bad('it is not a list');
  return items.map((item) => {
    if (typeof item === 'string') {
      const eq = item.lastIndexOf('=');
      if (eq < 1) return bad(`"${item}" is not "host:port=network"`);
      return { listen: item.slice(0, eq), network: item.slice(eq + 1) };
    }
    if (
      item &&
      typeof item === 'object' &&
      typeof item.listen === 'string' &&
      typeof item.network === 'string'
    ) {
      return { listen: item.listen, network: item.network };
    }
    return bad('each entry needs "listen" and "network"');
  });
}

/** Splits "host:port" / "[v6]:port"; throws CONFIG_INVALID with the setting's name. */
export function parseHostPort(text: string, setting: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port < 0 || port > 65535) {
    throw new ImdsError('CONFIG_INVALID', `Cannot listen on ${setting} as it is not host:port: "${text}"`, {
      hint: 'Write it like 127.0.0.1:8775 or [::1]:8775',
    });
  }
  return { host: (m[1] ?? m[2])!, port };
}
