// `openimds doctor host` and `openimds doctor openstack`: the host's side of issue 5. This file only
// wires argv, config, the store and the real I/O to src/doctor (collect, then reason).
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { parseHostPort, type Config } from '../config.js';
import { ImdsError } from '../errors.js';
import { hasProblems, type DoctorReport } from '../doctor/finding.js';
import { diagnoseHost } from '../doctor/host-doctor.js';
import { probeAgent, probeSigned } from '../doctor/host-path-probe.js';
import { checkOpenstack } from '../doctor/openstack-checks.js';
import { collectOpenstackState } from '../doctor/openstack-state.js';
import { tcpProbe } from '../doctor/openstack-tcp-probe.js';
import { formatReport, formatReportJson } from '../doctor/report.js';
import { systemExec } from '../net/exec.js';
import type { Store } from '../store/store.js';
import { makeContext, openStore, run, withCommonOptions } from './common.js';
import { readSecret } from './secrets.js';

/** Default passive ARP watch: long enough for a guest's retries (about one a second), short enough to wait for. */
const WATCH_SECONDS_DEFAULT = 3;
const WATCH_SECONDS_MAX = 60;

const HOST_HELP = `
For each network with an attach: mapping (or just --network N), checks what a guest's request to
169.254.169.254 needs on this host, and names the cause and the fix of what is missing:
  the store          can be read (host-store-unreachable)
  the namespace      exists (host-namespace-missing)
  the address        169.254.169.254/32 on the interface: onlink, isolated, router with onlink: true
                     (host-address-missing)
  the redirect       router mode: nft table "ip openimds" redirects :80 to :9697 (host-nft-redirect-missing)
  the listener       ss -ltn in the namespace shows 169.254.169.254:80 or *:9697 (host-listener-missing;
                     host-service-down when openimds answers nowhere at all)
  dnsmasq            isolated: running, and offering option 121 with 169.254.169.254/32 and the
                     default route (host-dnsmasq-down, host-dnsmasq-no-option121)
  registrations      every port resolves to one instance (host-port-unresolvable); every neighbour on
                     the segment is a registered port (host-guest-unregistered)
  the wire           for --watch-seconds, tcpdump watches ARP on each guest-facing interface: guests
                     asking for 169.254.169.254 that nobody answers (host-arp-unanswered, the seed
                     report's failure: a zeroconf route on a routed network)
  the paths          --agent-socket PATH: one request for a registered port through openimds agent
                     (or neutron-metadata-agent); --signed-url URL: one request signed with this
                     host's shared secret; 403 means the secrets differ (host-signed-rejected)

Needs root (namespaces, tcpdump). Exit code 0 when nothing is wrong, 1 when something is.
Every id, its cause and its fix: docs/doctor.md

Examples:
  sudo openimds doctor host
  sudo openimds doctor host --network web --watch-seconds 10
  sudo openimds doctor host --agent-socket /run/openimds/metadata_proxy --json
  OPENIMDS_SHARED_SECRET_FILE=/etc/openimds/secret openimds doctor host --signed-url http://127.0.0.1:8775
`;

const OPENSTACK_HELP = `
Reads Nova's and Neutron's configuration files (oslo.config INI: old and new option names) and
names the causes of reference §4 they show:
  openstack-proxy-mode-off        nova [neutron] service_metadata_proxy off, or misspelled (404s)
                                  (old name: [DEFAULT] service_neutron_metadata_proxy)
  openstack-secret-mismatch       the shared secrets of nova.conf and metadata_agent.ini differ or
                                  are set on one side only (403s); values are never printed
                                  (old Nova name: [DEFAULT] neutron_metadata_proxy_shared_secret)
  openstack-secret-empty          no secret on either side
  openstack-agent-unreachable     nothing accepts TCP at nova_metadata_host:nova_metadata_port
                                  (old name: nova_metadata_ip) within 1.5 s (503s); --no-probe skips
  openstack-l3-proxy-off          l3_agent.ini enable_metadata_proxy = False (timeouts)
  openstack-isolated-metadata-routed / -off, openstack-metadata-network-ignored   dhcp_agent.ini
  openstack-socket-mismatch       metadata_proxy_socket differs between the agents (503s)
  openstack-option-renamed        an old option name: fine on its release, ignored after upgrading
  openstack-vendordata-unreadable StaticJSON's vendordata_jsonfile_path missing or not JSON on
                                  this host (500s)
  openstack-rate-limit-low        [metadata_rate_limiting] under one cloud-init boot (429s)
  openstack-config-unreadable     a file is missing or has lines oslo.config refuses

Exit code 0 when nothing is wrong, 1 when something is. Details: docs/doctor.md

Example (the field report's Havana setup):
  openimds doctor openstack --nova-conf /etc/nova/nova.conf \\
      --metadata-agent-ini /etc/neutron/metadata_agent.ini --dhcp-agent-ini /etc/neutron/dhcp_agent.ini
`;

export function doctorHostCommands(): Command[] {
  return [hostCommand(), openstackCommand()];
}

function hostCommand(): Command {
  const cmd = withCommonOptions(new Command('host'))
    .summary("check openimds' own state on this host, network by network")
    .description(
      'Checks the store, namespaces, addresses, nft redirects, listeners, dnsmasq, registrations and the wire for each attached network, and says what to fix.',
    )
    .option('--network <name>', 'only this network (name or id)')
    .option('--json', 'print {"findings":[…]} as JSON')
    .addOption(
      new Option('--watch-seconds <s>', 'watch ARP on guest-facing interfaces this long (0: off)')
        .env('OPENIMDS_DOCTOR_WATCH_SECONDS')
        .argParser(watchSeconds)
        .default(WATCH_SECONDS_DEFAULT),
    )
    .option('--agent-socket <path>', 'also ask once through this agent socket (openimds agent --socket)')
    .option('--signed-url <url>', 'also ask the signed listener at this URL (needs the shared secret)')
    .option('--shared-secret-file <file>', 'shared secret for --signed-url (or env OPENIMDS_SHARED_SECRET)')
    .addHelpText('after', HOST_HELP);
  return cmd.action((opts: Record<string, unknown>) => run(opts, () => runHost(opts)));
}

async function runHost(opts: Record<string, unknown>): Promise<number> {
  const ctx = makeContext(opts);
  const { config } = ctx;
  const signedUrl = opts['signedUrl'] as string | undefined;
  const agentSocket = opts['agentSocket'] as string | undefined;
  const secret = signedUrl === undefined ? undefined : signedSecret(config, ctx.log);
  const stores: Store[] = [];
  try {
    const report = await diagnoseHost(
      {
        exec: systemExec,
        readFile: (p) => readFile(p, 'utf8'),
        processAlive: (pid) => existsSync(`/proc/${pid}`),
        store: () => {
          // A doctor must not create an empty database where the real one is missing.
          if (!existsSync(config.database)) throw new Error(`no database at "${config.database}"`);
          const store = openStore(config);
          stores.push(store);
          return store;
        },
        connect: (host, port) => tcpProbe(host, port).then((r) => r.ok),
        ...(agentSocket === undefined ? {} : { probeAgent: (who) => probeAgent(agentSocket, who) }),
        ...(signedUrl === undefined || secret === undefined
          ? {}
          : { probeSigned: (who) => probeSigned(signedUrl, secret, who) }),
      },
      {
        ...(opts['network'] === undefined ? {} : { network: opts['network'] as string }),
        watchSeconds: opts['watchSeconds'] as number,
        dirs: { dataDir: config.dataDir, runDir: config.runDir },
        serviceAddresses: serviceAddresses(config),
      },
    );
    return print(ctx.io.out, report, opts['json'] === true);
  } finally {
    stores.forEach((s) => s.close());
  }
}

function signedSecret(config: Config, log: Parameters<typeof readSecret>[2]): string {
  const secret = readSecret(
    { file: config.sharedSecretFile, envVar: 'OPENIMDS_SHARED_SECRET', what: 'shared secret' },
    process.env,
    log,
  );
  if (secret === undefined) {
    throw new ImdsError(
      'SECRET_UNAVAILABLE',
      'Cannot sign the --signed-url probe as no shared secret is configured',
      {
        hint: 'Give --shared-secret-file or OPENIMDS_SHARED_SECRET, the one openimds serve uses',
      },
    );
  }
  return secret;
}

/** Where the service should answer, from the config; a wildcard listen address is asked on loopback. */
function serviceAddresses(config: Config): Array<{ kind: string; host: string; port: number }> {
  const rows: Array<[string, string]> = [
    ['admin', config.adminListen],
    ['signed', config.signedListen],
    ...config.directListeners.map((d): [string, string] => ['direct', d.listen]),
  ];
  return rows
    .filter(([, listen]) => listen !== '')
    .map(([kind, listen]) => {
      const { host, port } = parseHostPort(listen, kind);
      const local = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
      return { kind, host: local, port };
    });
}

function openstackCommand(): Command {
  return new Command('openstack')
    .summary("check Nova's and Neutron's metadata configuration files")
    .description(
      "Reads nova.conf and the Neutron agents' INI files and names what stops metadata from working.",
    )
    .requiredOption('--nova-conf <file>', 'nova.conf of the nova-api-metadata host')
    .requiredOption('--metadata-agent-ini <file>', "neutron-metadata-agent's metadata_agent.ini")
    .option('--dhcp-agent-ini <file>', "the DHCP agent's dhcp_agent.ini")
    .option('--l3-agent-ini <file>', "the L3 agent's l3_agent.ini")
    .option('--no-probe', 'do not connect to nova_metadata_host:nova_metadata_port')
    .option('--json', 'print {"findings":[…]} as JSON')
    .addHelpText('after', OPENSTACK_HELP)
    .action((opts: Record<string, unknown>) =>
      run(opts, async () => {
        const state = await collectOpenstackState(
          {
            nova: opts['novaConf'] as string,
            metadataAgent: opts['metadataAgentIni'] as string,
            ...(opts['dhcpAgentIni'] === undefined ? {} : { dhcpAgent: opts['dhcpAgentIni'] as string }),
            ...(opts['l3AgentIni'] === undefined ? {} : { l3Agent: opts['l3AgentIni'] as string }),
          },
          {
            readFile: (p) => Promise.resolve(readFileSync(p, 'utf8')),
            ...(opts['probe'] === false
              ? {}
              : { probe: (host: string, port: number) => tcpProbe(host, port) }),
          },
        );
        return print((t) => process.stdout.write(t), checkOpenstack(state), opts['json'] === true);
      }),
    );
}

function print(out: (text: string) => void, report: DoctorReport, json: boolean): number {
  out(json ? formatReportJson(report) : formatReport(report));
  return hasProblems(report) ? 1 : 0;
}

function watchSeconds(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0 || n > WATCH_SECONDS_MAX) {
    throw new InvalidArgumentError(
      `It must be a whole number of seconds, 0..${WATCH_SECONDS_MAX} (0 turns the watch off).`,
    );
  }
  return n;
}
