// `doctor openstack`: the failure modes of reference §4 that Nova's and Neutron's configuration
// files show, one check per row. Pure: state in, findings out; secrets never leave this file except
// as "set, N characters".
import { secretEquals } from '../auth/signature.js';
import type { IniFile } from './ini-parse.js';
import type { DoctorReport, Finding } from './finding.js';
import {
  FILE_LABEL,
  interpolate,
  OPTIONS,
  parseOsloBool,
  readOption,
  type OpenstackFile,
  type OptionKey,
  type OptionValue,
} from './openstack-options.js';
import type { OpenstackState } from './openstack-state.js';
import { finding } from './report.js';

type Check = (s: OpenstackState) => Finding[];

/** The checks, in report order. */
export const OPENSTACK_CHECKS: ReadonlyArray<{ name: string; run: Check }> = [
  { name: 'files can be read', run: unreadable },
  { name: 'Nova trusts the proxy headers (F2)', run: proxyModeOff },
  { name: 'Nova and the agent share one secret (F1)', run: secretMismatch },
  { name: 'an empty shared secret (Nova warns)', run: secretEmpty },
  { name: 'the agent reaches Nova (F4)', run: agentUnreachable },
  { name: 'the L3 agent runs the proxy (F8)', run: l3ProxyOff },
  { name: 'isolated metadata cannot serve routed networks (F10)', run: isolatedRouted },
  { name: 'isolated metadata off (F9, F10)', run: isolatedOff },
  { name: 'enable_metadata_network needs enable_isolated_metadata', run: metadataNetworkIgnored },
  { name: 'one metadata_proxy_socket (F6)', run: socketMismatch },
  { name: "StaticJSON's vendor data file (F13)", run: vendordataUnreadable },
  { name: 'rate limits that cloud-init exceeds at boot (F14)', run: rateLimitLow },
  { name: 'old option names', run: renamedOptions },
];

export function checkOpenstack(state: OpenstackState): DoctorReport {
  return { findings: OPENSTACK_CHECKS.flatMap((c) => c.run(state)) };
}

function iniOf(s: OpenstackState, file: OpenstackFile): IniFile | undefined {
  return s.files[file]?.ini;
}

function option(s: OpenstackState, key: OptionKey): OptionValue | undefined {
  const ini = iniOf(s, OPTIONS[key].file);
  return ini === undefined ? undefined : readOption(ini, key);
}

/** "nova.conf:3 [neutron] service_metadata_proxy = False" (never a secret's value). */
function shown(o: OptionValue): string {
  const value = o.value === undefined ? '(no default)' : o.value;
  return o.entry === undefined ? `${o.where}: default ${value}` : `${o.where} = ${value}`;
}

function secretShown(o: OptionValue): string {
  const v = o.value ?? '';
  return v === '' ? `${o.where}: not set` : `${o.where}: set, ${v.length} characters`;
}

function unreadable(s: OpenstackState): Finding[] {
  return (
    Object.entries(s.files) as Array<[OpenstackFile, NonNullable<OpenstackState['files'][OpenstackFile]>]>
  ).flatMap(([file, state]) => {
    if (state.error !== undefined) {
      return [
        finding(
          'openstack-config-unreadable',
          'error',
          `Cannot read ${FILE_LABEL[file]} "${state.path}": ${state.error}`,
          [`${state.path}: ${state.error}`],
        ),
      ];
    }
    const errors = state.ini?.errors ?? [];
    if (errors.length === 0) return [];
    return [
      finding(
        'openstack-config-unreadable',
        'warning',
        `${FILE_LABEL[file]} "${state.path}" has ${errors.length} line${errors.length === 1 ? '' : 's'} that oslo.config refuses`,
        errors.slice(0, 5).map((e) => `${state.path}:${e.line}: ${e.text.trim()}`),
        'Fix those lines: each must be a [section], key = value, an indented continuation, or a # comment; the service refuses to start otherwise.',
      ),
    ];
  });
}

function proxyModeOff(s: OpenstackState): Finding[] {
  const nova = iniOf(s, 'nova');
  const o = option(s, 'serviceMetadataProxy');
  if (nova === undefined || o === undefined) return [];
  const on = parseOsloBool(o.value);
  if (on === true) return [];
  // A misspelling is the classic way to end up here (reference F2): show near-miss keys.
  const known = new Set<string>(OPTIONS.serviceMetadataProxy.names.map((n) => n.key));
  const nearMisses = nova.entries
    .filter((e) => /proxy/i.test(e.key) && !known.has(e.key) && !/secret/.test(e.key))
    .map(
      (e) =>
        `nova.conf:${e.line} [${e.section}] ${e.key} = ${e.value}: not an option Nova knows (misspelled?)`,
    );
  const why = on === false ? 'off' : `"${o.value}", not a boolean`;
  return [
    finding(
      'openstack-proxy-mode-off',
      'error',
      `Nova service_metadata_proxy is ${why}: Nova identifies the agent's host instead of the instance, every request gets 404`,
      [shown(o), ...nearMisses],
    ),
  ];
}

function secretMismatch(s: OpenstackState): Finding[] {
  const nova = option(s, 'novaSharedSecret');
  const agent = option(s, 'agentSharedSecret');
  if (nova === undefined || agent === undefined) return [];
  const a = nova.value ?? '';
  const b = agent.value ?? '';
  if (secretEquals(a, b)) return [];
  const oneSide = a === '' || b === '';
  return [
    finding(
      'openstack-secret-mismatch',
      'error',
      oneSide
        ? `The shared secret is set on one side only, in ${a === '' ? 'metadata_agent.ini' : 'nova.conf'}: every request gets 403`
        : 'The shared secrets of nova.conf and metadata_agent.ini differ: every request gets 403',
      [secretShown(nova), secretShown(agent), 'values not shown'],
    ),
  ];
}

function secretEmpty(s: OpenstackState): Finding[] {
  const nova = option(s, 'novaSharedSecret');
  const agent = option(s, 'agentSharedSecret');
  if (nova === undefined || agent === undefined) return [];
  if ((nova.value ?? '') !== '' || (agent.value ?? '') !== '') return [];
  return [
    finding(
      'openstack-secret-empty',
      'warning',
      'No shared secret on either side: signatures are made with an empty key, so anyone who can reach Nova metadata can ask for any instance',
      [secretShown(nova), secretShown(agent)],
    ),
  ];
}

function agentUnreachable(s: OpenstackState): Finding[] {
  const p = s.novaProbe;
  const host = option(s, 'novaMetadataHost');
  const port = option(s, 'novaMetadataPort');
  if (p === undefined || p.ok || host === undefined || port === undefined) return [];
  return [
    finding(
      'openstack-agent-unreachable',
      'error',
      `The metadata agent points at ${p.host}:${p.port}, which does not accept connections (${p.error ?? 'no answer'}): every request gets 503`,
      [shown(host), shown(port), `TCP connect to ${p.host}:${p.port} from this host: ${p.error ?? 'failed'}`],
    ),
  ];
}

function l3ProxyOff(s: OpenstackState): Finding[] {
  const o = option(s, 'enableMetadataProxy');
  if (o === undefined || parseOsloBool(o.value) !== false) return [];
  return [
    finding(
      'openstack-l3-proxy-off',
      'error',
      'The L3 agent runs no metadata proxy: requests from guests on routed networks are dropped (timeout)',
      [shown(o)],
    ),
  ];
}

function isolatedRouted(s: OpenstackState): Finding[] {
  const isolated = option(s, 'enableIsolatedMetadata');
  const force = option(s, 'forceMetadata');
  const l3 = option(s, 'enableMetadataProxy');
  if (isolated === undefined || force === undefined || l3 === undefined) return [];
  if (parseOsloBool(isolated.value) !== true || parseOsloBool(force.value) === true) return [];
  if (parseOsloBool(l3.value) !== false) return [];
  return [
    finding(
      'openstack-isolated-metadata-routed',
      'warning',
      'enable_isolated_metadata is on but serves isolated networks only; with the L3 proxy off and force_metadata off, routed guests get nothing',
      [shown(isolated), shown(force), shown(l3)],
      undefined,
      'openstack-l3-proxy-off',
    ),
  ];
}

function isolatedOff(s: OpenstackState): Finding[] {
  const isolated = option(s, 'enableIsolatedMetadata');
  const force = option(s, 'forceMetadata');
  if (isolated === undefined || force === undefined) return [];
  if (parseOsloBool(isolated.value) === true || parseOsloBool(force.value) === true) return [];
  return [
    finding(
      'openstack-isolated-metadata-off',
      'info',
      'The DHCP agent pushes no 169.254.169.254/32 route and runs no proxy: networks without a router get no metadata, and guests with a zeroconf 169.254.0.0/16 route depend on the router alone',
      [shown(isolated), shown(force)],
    ),
  ];
}

function metadataNetworkIgnored(s: OpenstackState): Finding[] {
  const network = option(s, 'enableMetadataNetwork');
  const isolated = option(s, 'enableIsolatedMetadata');
  if (network === undefined || isolated === undefined) return [];
  if (parseOsloBool(network.value) !== true || parseOsloBool(isolated.value) === true) return [];
  return [
    finding(
      'openstack-metadata-network-ignored',
      'warning',
      'enable_metadata_network is on but has no effect without enable_isolated_metadata',
      [shown(network), shown(isolated)],
    ),
  ];
}

function socketMismatch(s: OpenstackState): Finding[] {
  const sockets = (
    [
      ['agentSocket', 'agentStatePath'],
      ['l3Socket', 'l3StatePath'],
      ['dhcpSocket', 'dhcpStatePath'],
    ] as const
  ).flatMap(([key, statePath]) => {
    const o = option(s, key);
    if (o === undefined || o.value === undefined) return [];
    const path = interpolate(o.value, { state_path: option(s, statePath)?.value });
    return [{ o, path }];
  });
  if (sockets.length < 2 || sockets.every((x) => x.path === sockets[0]!.path)) return [];
  return [
    finding(
      'openstack-socket-mismatch',
      'error',
      `The metadata proxies and the agent use different sockets: ${[...new Set(sockets.map((x) => `"${x.path}"`))].join(' vs ')}`,
      sockets.map((x) => `${shown(x.o)} → ${x.path}`),
    ),
  ];
}

function renamedOptions(s: OpenstackState): Finding[] {
  const keys: OptionKey[] = ['serviceMetadataProxy', 'novaSharedSecret', 'novaMetadataHost'];
  return keys.flatMap((key) => {
    const o = option(s, key);
    if (o?.name?.removedIn === undefined) return [];
    const current = OPTIONS[key].names[0];
    const value = OPTIONS[key].file === 'nova' && key === 'novaSharedSecret' ? secretShown(o) : shown(o);
    return [
      finding(
        'openstack-option-renamed',
        'info',
        `${o.where} is an old name, read only by releases before ${o.name.removedIn}; newer ones ignore it and use [${current.section}] ${current.key}`,
        [value],
        `Keep it on that release; when upgrading, rename it to [${current.section}] ${current.key}.`,
      ),
    ];
  });
}

function vendordataUnreadable(s: OpenstackState): Finding[] {
  const v = s.vendordata;
  const o = option(s, 'novaVendordataFile');
  if (v?.error === undefined || o === undefined) return [];
  return [
    finding(
      'openstack-vendordata-unreadable',
      'error',
      `Nova's StaticJSON vendor data file "${v.path}" cannot be used (${v.error}): every metadata request gets 500`,
      [shown(o), `${v.path} on this host: ${v.error}`],
    ),
  ];
}

/**
 * cloud-init's first boot asks the OpenStack documents and crawls the EC2 tree: a few dozen requests
 * within seconds. A limit under this is hit by an ordinary boot (reference F14).
 */
export const CLOUD_INIT_BOOT_REQUESTS = 50;

function rateLimitLow(s: OpenstackState): Finding[] {
  const rows = [
    ['l3Agent', 'l3RateLimit', 'l3BaseLimit', 'l3BurstLimit'],
    ['dhcpAgent', 'dhcpRateLimit', 'dhcpBaseLimit', 'dhcpBurstLimit'],
  ] as const;
  return rows.flatMap(([file, enabled, base, burst]) => {
    const on = option(s, enabled);
    if (on === undefined || parseOsloBool(on.value) !== true) return [];
    const limits = [option(s, base)!, option(s, burst)!];
    const low = limits.filter((o) => Number(o.value) < CLOUD_INIT_BOOT_REQUESTS);
    if (low.length === 0) return [];
    return [
      finding(
        'openstack-rate-limit-low',
        'warning',
        `${FILE_LABEL[file]} limits metadata to ${low.map((o) => o.value).join('/')} requests per window; one cloud-init boot sends about ${CLOUD_INIT_BOOT_REQUESTS}: guests get 429`,
        [shown(on), ...limits.map(shown)],
      ),
    ];
  });
}
