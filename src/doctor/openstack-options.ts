// The OpenStack options the doctor reads, one row each, with their old names (reference §2.19, §3.9).
// A current name wins over an old one when both are set, as oslo.config does with deprecated names.
import { findIniEntry, type IniEntry, type IniFile } from './ini-parse.js';

/** Which file an option lives in (the CLI flag that names it). */
export type OpenstackFile = 'nova' | 'metadataAgent' | 'dhcpAgent' | 'l3Agent';

export const FILE_LABEL: Record<OpenstackFile, string> = {
  nova: 'nova.conf',
  metadataAgent: 'metadata_agent.ini',
  dhcpAgent: 'dhcp_agent.ini',
  l3Agent: 'l3_agent.ini',
};

export interface OptionName {
  section: string;
  key: string;
  /** Where the old name stopped being read, for people ("Nova Kilo (2014-11)"). */
  removedIn?: string;
}

export interface OptionSpec {
  file: OpenstackFile;
  /** The current name first, then old ones. */
  names: readonly OptionName[];
  /** oslo.config default as text; undefined for "unset". */
  default?: string;
  secret?: boolean;
}

export const OPTIONS = {
  // Nova [neutron] (nova/conf/neutron.py); old [DEFAULT] names renamed in Juno, alias removed 2014-11
  serviceMetadataProxy: {
    file: 'nova',
    names: [
      { section: 'neutron', key: 'service_metadata_proxy' },
      {
        section: 'DEFAULT',
        key: 'service_neutron_metadata_proxy',
        removedIn: 'Nova Kilo (alias removed 2014-11)',
      },
    ],
    default: 'False',
  },
  novaSharedSecret: {
    file: 'nova',
    names: [
      { section: 'neutron', key: 'metadata_proxy_shared_secret' },
      {
        section: 'DEFAULT',
        key: 'neutron_metadata_proxy_shared_secret',
        removedIn: 'Nova Kilo (alias removed 2014-11)',
      },
    ],
    default: '',
    secret: true,
  },
  // metadata_agent.ini [DEFAULT] (neutron/conf/agent/metadata/config.py)
  novaMetadataHost: {
    file: 'metadataAgent',
    names: [
      { section: 'DEFAULT', key: 'nova_metadata_host' },
      { section: 'DEFAULT', key: 'nova_metadata_ip', removedIn: 'its removal from Neutron in 2017' },
    ],
    default: '127.0.0.1',
  },
  novaMetadataPort: {
    file: 'metadataAgent',
    names: [{ section: 'DEFAULT', key: 'nova_metadata_port' }],
    default: '8775',
  },
  agentSharedSecret: {
    file: 'metadataAgent',
    names: [{ section: 'DEFAULT', key: 'metadata_proxy_shared_secret' }],
    default: '',
    secret: true,
  },
  agentSocket: {
    file: 'metadataAgent',
    names: [{ section: 'DEFAULT', key: 'metadata_proxy_socket' }],
    default: '$state_path/metadata_proxy',
  },
  agentStatePath: {
    file: 'metadataAgent',
    names: [{ section: 'DEFAULT', key: 'state_path' }],
    default: '/var/lib/neutron',
  },
  // dhcp_agent.ini [DEFAULT] (neutron/conf/agent/dhcp.py)
  enableIsolatedMetadata: {
    file: 'dhcpAgent',
    names: [{ section: 'DEFAULT', key: 'enable_isolated_metadata' }],
    default: 'False',
  },
  forceMetadata: {
    file: 'dhcpAgent',
    names: [{ section: 'DEFAULT', key: 'force_metadata' }],
    default: 'False',
  },
  enableMetadataNetwork: {
    file: 'dhcpAgent',
    names: [{ section: 'DEFAULT', key: 'enable_metadata_network' }],
    default: 'False',
  },
  dhcpSocket: {
    file: 'dhcpAgent',
    names: [{ section: 'DEFAULT', key: 'metadata_proxy_socket' }],
    default: '$state_path/metadata_proxy',
  },
  dhcpStatePath: {
    file: 'dhcpAgent',
    names: [{ section: 'DEFAULT', key: 'state_path' }],
    default: '/var/lib/neutron',
  },
  // l3_agent.ini [DEFAULT] (neutron/conf/agent/l3/config.py)
  enableMetadataProxy: {
    file: 'l3Agent',
    names: [{ section: 'DEFAULT', key: 'enable_metadata_proxy' }],
    default: 'True',
  },
  l3Socket: {
    file: 'l3Agent',
    names: [{ section: 'DEFAULT', key: 'metadata_proxy_socket' }],
    default: '$state_path/metadata_proxy',
  },
  l3StatePath: {
    file: 'l3Agent',
    names: [{ section: 'DEFAULT', key: 'state_path' }],
    default: '/var/lib/neutron',
  },
  // Nova [api] vendor data (nova/conf/api.py; reference §2.11, F13): old names in [DEFAULT]
  novaVendordataProviders: {
    file: 'nova',
    names: [
      { section: 'api', key: 'vendordata_providers' },
      { section: 'DEFAULT', key: 'vendordata_providers' },
    ],
    default: 'StaticJSON',
  },
  novaVendordataFile: {
    file: 'nova',
    names: [
      { section: 'api', key: 'vendordata_jsonfile_path' },
      { section: 'DEFAULT', key: 'vendordata_jsonfile_path' },
    ],
  },
  // [metadata_rate_limiting] of the L3 and DHCP agents (reference §3.4, F14)
  l3RateLimit: {
    file: 'l3Agent',
    names: [{ section: 'metadata_rate_limiting', key: 'rate_limit_enabled' }],
    default: 'False',
  },
  l3BaseLimit: {
    file: 'l3Agent',
    names: [{ section: 'metadata_rate_limiting', key: 'base_query_rate_limit' }],
    default: '10',
  },
  l3BurstLimit: {
    file: 'l3Agent',
    names: [{ section: 'metadata_rate_limiting', key: 'burst_query_rate_limit' }],
    default: '10',
  },
  dhcpRateLimit: {
    file: 'dhcpAgent',
    names: [{ section: 'metadata_rate_limiting', key: 'rate_limit_enabled' }],
    default: 'False',
  },
  dhcpBaseLimit: {
    file: 'dhcpAgent',
    names: [{ section: 'metadata_rate_limiting', key: 'base_query_rate_limit' }],
    default: '10',
  },
  dhcpBurstLimit: {
    file: 'dhcpAgent',
    names: [{ section: 'metadata_rate_limiting', key: 'burst_query_rate_limit' }],
    default: '10',
  },
} as const satisfies Record<string, OptionSpec>;

export type OptionKey = keyof typeof OPTIONS;

export interface OptionValue {
  /** The value in effect: the file's, or the default (undefined: unset with no default). */
  value: string | undefined;
  /** The line it came from; undefined when the default applies. */
  entry?: IniEntry;
  /** The name it was found under. */
  name?: OptionName;
  /** "nova.conf [neutron] service_metadata_proxy" (the current name when unset). */
  where: string;
}

/** The value of an option in its file: the current name, else the newest old name set, else the default. */
export function readOption(file: IniFile, key: OptionKey): OptionValue {
  const spec: OptionSpec = OPTIONS[key];
  for (const name of spec.names) {
    const entry = findIniEntry(file, name.section, name.key);
    if (entry !== undefined)
      return { value: entry.value, entry, name, where: describe(spec.file, name, entry) };
  }
  return { value: spec.default, where: describe(spec.file, spec.names[0]!) };
}

function describe(file: OpenstackFile, name: OptionName, entry?: IniEntry): string {
  const at = entry === undefined ? ' (unset)' : `:${entry.line}`;
  return `${FILE_LABEL[file]}${at} [${name.section}] ${name.key}`;
}

/** oslo.config booleans (case-insensitive); undefined for anything else (the service refuses to start). */
export function parseOsloBool(text: string | undefined): boolean | undefined {
  if (text === undefined) return undefined;
  const t = text.trim().toLowerCase();
  if (['1', 't', 'true', 'on', 'y', 'yes'].includes(t)) return true;
  if (['0', 'f', 'false', 'off', 'n', 'no'].includes(t)) return false;
  return undefined;
}

/** oslo.config `$name` / `${name}` interpolation, for the one variable these options use. */
export function interpolate(value: string, vars: Record<string, string | undefined>): string {
  return value.replace(/\$(?:\{(\w+)\}|(\w+))/g, (all, a: string | undefined, b: string | undefined) => {
    return vars[(a ?? b)!] ?? all;
  });
}
