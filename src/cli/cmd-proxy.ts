// `openimds proxy` and `openimds agent`: the two forwarders of Neutron's metadata path (reference
// §3.4, §3.5), as commands. Flags have OPENIMDS_* twins (commander reads them); the shared secret
// comes from a file or OPENIMDS_SHARED_SECRET, never from a flag value.
import { Command, InvalidArgumentError, Option } from 'commander';
import { parseHostPort } from '../config.js';
import { ImdsError } from '../errors.js';
import type { GuestServerLimits } from '../http/limited-server.js';
import { GUEST_SERVER_DEFAULTS } from '../http/limited-server.js';
import { NOVA_DEFAULTS, startMetadataAgent } from '../proxy/metadata-agent.js';
import { PROXY_UPSTREAM_DEFAULTS, startNamespaceProxy, type ProxyTag } from '../proxy/namespace-proxy.js';
import { makeContext, openStore, run, untilSignal, withCommonOptions } from './common.js';
import { readSecret } from './secrets.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const PROXY_HELP = `
Replaces the haproxy that Neutron's L3 and DHCP agents start in each qrouter-/qdhcp- namespace. Run
one per namespace, inside it, when openimds cannot listen in that namespace itself. It listens where
guests arrive, deletes every identity header a guest sent (X-Forwarded-For, Forwarded,
X-Neutron-*-ID, X-OVN-Network-ID, X-Instance-ID*, X-Tenant-ID, X-Metadata-Provider*), adds
X-Forwarded-For with the guest's real address and X-Neutron-Network-ID (or X-Neutron-Router-ID), and
forwards over a UNIX socket (reachable from any namespace) to:
  openimds serve --tagged-socket PATH   openimds answers itself, or
  openimds agent --socket PATH          openimds signs and asks a real Nova.
Answers 503 at once when nothing listens on the socket, 504 when no answer comes within
--server-timeout, 502 when the answer is broken; it needs no restart when the service comes back.

Examples:
  # isolated network: the DHCP namespace owns 169.254.169.254 (Neutron enable_isolated_metadata)
  ip netns exec qdhcp-$NET openimds proxy --listen 169.254.169.254:80 \\
      --network-id $NET --socket /run/openimds/tagged.sock
  # router namespace: nft/iptables redirect 169.254.169.254:80 to 9697 (Neutron metadata_port)
  ip netns exec qrouter-$ROUTER openimds proxy --listen 0.0.0.0:9697 \\
      --router-id $ROUTER --socket /run/openimds/tagged.sock`;

const AGENT_HELP = `
Replaces neutron-metadata-agent for sites that keep a real Nova metadata API. It listens on a UNIX
socket for requests tagged by a namespace proxy (openimds proxy, or Neutron's own haproxy pointed at
this socket as metadata_proxy_socket), finds the one port at X-Forwarded-For on that network (or on
the router's networks) in the openimds store, and asks Nova with only X-Forwarded-For, X-Instance-ID,
X-Tenant-ID and X-Instance-ID-Signature (HMAC-SHA256 of the instance id with the shared secret).
Nova's answer passes through byte for byte (gzip user data stays compressed). Nova unreachable: 503;
Nova 403: passed through, logged as a shared-secret mismatch; an unexpected Nova status: 502.

Run it on the host, beside the namespaces; the socket's permissions (0660) decide who may use it.
The shared secret must equal Nova's [neutron] metadata_proxy_shared_secret.

Example:
  OPENIMDS_SHARED_SECRET_FILE=/etc/openimds/secret openimds agent \\
      --socket /run/openimds/metadata_proxy --nova-url http://192.0.2.10:8775
  ip netns exec qrouter-$ROUTER openimds proxy --listen 0.0.0.0:9697 \\
      --router-id $ROUTER --socket /run/openimds/metadata_proxy`;

/** One flag with its OPENIMDS_<env> twin; `defaultMs` makes it a duration in seconds (fractions allowed). */
interface OptionRow {
  flags: string;
  what: string;
  env: string;
  mandatory?: boolean;
  parse?: (value: string) => unknown;
  defaultMs?: number;
  defaultValue?: string;
}

const PROXY_OPTIONS: readonly OptionRow[] = [
  {
    flags: '--listen <host:port>',
    what: 'where guests connect: 169.254.169.254:80, [::]:9697 …',
    env: 'PROXY_LISTEN',
    mandatory: true,
  },
  {
    flags: '--network-id <uuid>',
    what: 'the network this namespace serves (DHCP namespace)',
    env: 'PROXY_NETWORK_ID',
    parse: uuid,
  },
  {
    flags: '--router-id <uuid>',
    what: 'the router this namespace serves (router namespace)',
    env: 'PROXY_ROUTER_ID',
    parse: uuid,
  },
  {
    flags: '--socket <path>',
    what: 'UNIX socket of openimds serve (--tagged-socket) or openimds agent',
    env: 'PROXY_SOCKET',
    mandatory: true,
  },
  // haproxy `timeout server` in Neutron (§3.4)
  {
    flags: '--server-timeout <seconds>',
    what: 'answer 504 when the service is silent this long',
    env: 'PROXY_SERVER_TIMEOUT',
    defaultMs: PROXY_UPSTREAM_DEFAULTS.serverTimeoutMs,
  },
  {
    flags: '--connect-timeout <seconds>',
    what: 'give up connecting to the socket after',
    env: 'PROXY_CONNECT_TIMEOUT',
    defaultMs: PROXY_UPSTREAM_DEFAULTS.connectTimeoutMs,
  },
  // The guest side: the limits of every openimds listener (docs/api.md "Limits")
  {
    flags: '--request-timeout <seconds>',
    what: "a guest's whole request must arrive within",
    env: 'PROXY_REQUEST_TIMEOUT',
    defaultMs: GUEST_SERVER_DEFAULTS.requestTimeoutMs,
  },
  {
    flags: '--headers-timeout <seconds>',
    what: "a guest's request head must arrive within",
    env: 'PROXY_HEADERS_TIMEOUT',
    defaultMs: GUEST_SERVER_DEFAULTS.headersTimeoutMs,
  },
  {
    flags: '--idle-timeout <seconds>',
    what: "close a guest's idle keep-alive connection after",
    env: 'PROXY_IDLE_TIMEOUT',
    defaultMs: GUEST_SERVER_DEFAULTS.keepAliveTimeoutMs,
  },
];

const AGENT_OPTIONS: readonly OptionRow[] = [
  {
    flags: '--socket <path>',
    what: 'UNIX socket to listen on (Neutron metadata_proxy_socket)',
    env: 'AGENT_SOCKET',
    mandatory: true,
  },
  // Neutron nova_metadata_protocol://nova_metadata_host:nova_metadata_port (§3.9)
  {
    flags: '--nova-url <url>',
    what: 'Nova metadata API',
    env: 'NOVA_URL',
    parse: novaUrl,
    defaultValue: 'http://127.0.0.1:8775',
  },
  // python-requests' timeout in Neutron's agent (§3.5.3)
  {
    flags: '--nova-timeout <seconds>',
    what: 'answer 504 when Nova is silent this long',
    env: 'NOVA_TIMEOUT',
    defaultMs: NOVA_DEFAULTS.timeoutMs,
  },
];

/** `openimds proxy`: Neutron's namespace metadata proxy. */
export function proxyCommand(): Command {
  const cmd = new Command('proxy')
    .summary("Neutron's namespace metadata proxy")
    .description(
      "Forwards guests' metadata requests from inside a network namespace to openimds, over a UNIX socket.",
    )
    .addHelpText('after', PROXY_HELP)
    .option('--config <file>', 'YAML config file for log settings (env OPENIMDS_CONFIG)')
    .option('--log-level <level>', 'debug | info | warn | error (env OPENIMDS_LOG_LEVEL)')
    .option('--log-format <format>', 'auto | json | text (env OPENIMDS_LOG_FORMAT)');
  PROXY_OPTIONS.forEach((row) => cmd.addOption(option(row)));
  return cmd.action((opts: Record<string, unknown>) => {
    const tag = proxyTag(cmd, opts);
    const limits = guestLimits(cmd, opts);
    return run(opts, async () => {
      const ctx = makeContext(opts);
      const proxy = await startNamespaceProxy({
        listen: parseHostPort(opts['listen'] as string, '--listen'),
        tag,
        socketPath: opts['socket'] as string,
        upstream: {
          serverTimeoutMs: opts['serverTimeout'] as number,
          connectTimeoutMs: opts['connectTimeout'] as number,
        },
        limits,
        log: ctx.log.child({ component: 'proxy' }),
      });
      await untilSignal();
      await proxy.close();
    });
  });
}

/** `openimds agent`: Neutron's metadata agent in front of a real Nova. */
export function agentCommand(): Command {
  const cmd = withCommonOptions(new Command('agent'))
    .summary("Neutron's metadata agent, for sites that keep a real Nova")
    .description('Resolves tagged requests to instances, signs them and asks a Nova metadata API.')
    .addHelpText('after', AGENT_HELP)
    .option('--shared-secret-file <file>', 'file holding the shared secret (or env OPENIMDS_SHARED_SECRET)');
  AGENT_OPTIONS.forEach((row) => cmd.addOption(option(row)));
  return cmd.action((opts: Record<string, unknown>) => run(opts, () => runAgent(opts)));
}

async function runAgent(opts: Record<string, unknown>): Promise<void> {
  const ctx = makeContext(opts);
  const log = ctx.log.child({ component: 'agent' });
  const secret = readSecret(
    { file: ctx.config.sharedSecretFile, envVar: 'OPENIMDS_SHARED_SECRET', what: 'shared secret' },
    process.env,
    log,
  );
  if (secret === undefined) {
    throw new ImdsError('SECRET_UNAVAILABLE', 'Cannot start the agent as no shared secret is configured', {
      hint: "Give --shared-secret-file (a file, mode 0600) or OPENIMDS_SHARED_SECRET, equal to Nova's [neutron] metadata_proxy_shared_secret",
    });
  }
  const store = openStore(ctx.config);
  try {
    const agent = await startMetadataAgent({
      socketPath: opts['socket'] as string,
      store,
      secret,
      novaUrl: opts['novaUrl'] as string,
      nova: { timeoutMs: opts['novaTimeout'] as number },
      log,
    });
    await untilSignal();
    await agent.close();
  } finally {
    store.close();
  }
}

function option(row: OptionRow): Option {
  const o = new Option(row.flags, row.what).env(`OPENIMDS_${row.env}`);
  if (row.parse !== undefined) o.argParser(row.parse);
  if (row.defaultMs !== undefined) o.argParser(seconds).default(row.defaultMs, String(row.defaultMs / 1000));
  if (row.defaultValue !== undefined) o.default(row.defaultValue);
  if (row.mandatory === true) o.makeOptionMandatory();
  return o;
}

/** A duration in seconds, to milliseconds. */
function seconds(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || n > 3600) {
    throw new InvalidArgumentError('It must be a number of seconds, more than 0 and at most 3600.');
  }
  return Math.round(n * 1000);
}

function uuid(value: string): string {
  if (!UUID.test(value)) {
    throw new InvalidArgumentError(
      'It must be the UUID of a network or router (see "openimds network show NAME").',
    );
  }
  return value.toLowerCase();
}

function novaUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('It must be a URL like http://192.0.2.10:8775.');
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search !== '' || url.hash !== '') {
    throw new InvalidArgumentError('It must be an http:// or https:// URL without query or fragment.');
  }
  if (url.username !== '' || url.password !== '') {
    throw new InvalidArgumentError(
      'It must not hold credentials: Nova trusts the signature, not a password.',
    );
  }
  return value;
}

/** Exactly one of --network-id and --router-id; a usage error otherwise. */
function proxyTag(cmd: Command, opts: Record<string, unknown>): ProxyTag {
  const network = opts['networkId'] as string | undefined;
  const router = opts['routerId'] as string | undefined;
  if ((network === undefined) === (router === undefined)) {
    cmd.error('error: give exactly one of --network-id (DHCP namespace) and --router-id (router namespace)', {
      exitCode: 2,
      code: 'openimds.proxyTag',
    });
  }
  return network !== undefined ? { kind: 'network', id: network } : { kind: 'router', id: router! };
}

function guestLimits(cmd: Command, opts: Record<string, unknown>): GuestServerLimits {
  const limits = {
    ...GUEST_SERVER_DEFAULTS,
    requestTimeoutMs: opts['requestTimeout'] as number,
    headersTimeoutMs: opts['headersTimeout'] as number,
    keepAliveTimeoutMs: opts['idleTimeout'] as number,
  };
  // node:http refuses a head deadline later than the whole request's.
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    cmd.error('error: --headers-timeout must not be longer than --request-timeout', {
      exitCode: 2,
      code: 'openimds.timeouts',
    });
  }
  return limits;
}
