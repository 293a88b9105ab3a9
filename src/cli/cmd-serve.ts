import { Command } from 'commander';
import {
  makeContext,
  openStore,
  run,
  SERVICE_BUSY_TIMEOUT_MS,
  untilSignal,
  withCommonOptions,
} from './common.js';
import { DEMO_LISTEN, DEMO_NETWORK, demoHelp } from './demo.js';
import { startService } from './service-app.js';

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

export function serveCommand(): Command {
  return withCommonOptions(new Command('serve'))
    .summary('run the metadata service')
    .description(
      'Serves instance metadata to guests, as OpenStack Nova does, through the listeners configured:\n' +
        '  direct  TCP; the guest is identified by its peer address within one network\n' +
        "  signed  TCP; Nova's protocol (X-Instance-ID + HMAC signature) for a neutron-metadata-agent\n" +
        "  tagged  UNIX socket; Neutron's proxy protocol (X-Forwarded-For + network/router id)\n" +
        'and the admin API on loopback. Changes to the store (apply, admin API) are visible on the next\n' +
        'request. Stop with SIGINT or SIGTERM.\n\n' +
        '--demo seeds a demo instance at 127.0.0.1 in <data-dir>/demo.sqlite and serves it directly on\n' +
        `${DEMO_LISTEN}, so that curl from this machine is answered as that instance.`,
    )
    .option('--demo', 'serve a demo instance at 127.0.0.1 on 127.0.0.1:8775 (own database)')
    .option(
      '--direct <host:port=network>',
      'direct listener, repeatable (env OPENIMDS_DIRECT_LISTENERS, comma-separated)',
      collect,
    )
    .option(
      '--signed-listen <host:port>',
      'signed listener ("" off; env OPENIMDS_SIGNED_LISTEN; default 127.0.0.1:8775)',
    )
    .option('--shared-secret-file <file>', 'file holding the shared secret (or env OPENIMDS_SHARED_SECRET)')
    .option('--tagged-socket <path>', 'tagged listener UNIX socket ("" off; env OPENIMDS_TAGGED_SOCKET)')
    .option(
      '--admin-listen <host:port>',
      'admin API ("" off; env OPENIMDS_ADMIN_LISTEN; default 127.0.0.1:8779)',
    )
    .option(
      '--admin-token-file <file>',
      'admin bearer token file, generated when absent (or env OPENIMDS_ADMIN_TOKEN)',
    )
    .option(
      '--dhcp-domain <domain>',
      'hostname suffix, as Nova [api] dhcp_domain (default novalocal; "" none)',
    )
    .option('--vendordata-json-file <file>', 'static vendor data JSON (Nova vendordata_jsonfile_path)')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  openimds serve --demo\n' +
        '  openimds serve --direct 169.254.169.254:80=private --signed-listen ""\n' +
        '  OPENIMDS_SHARED_SECRET_FILE=/etc/openimds/secret openimds serve --tagged-socket /run/openimds/metadata_proxy',
    )
    .action((opts: Record<string, unknown>) =>
      run(opts, async () => {
        if (opts['direct'] !== undefined) opts['directListeners'] = opts['direct'];
        if (opts['demo'] === true) demoDefaults(opts);
        const ctx = makeContext(opts);
        // The demo keeps its own database beside the real one, unless one was named.
        if (
          opts['demo'] === true &&
          opts['database'] === undefined &&
          process.env['OPENIMDS_DATABASE'] === undefined
        ) {
          ctx.config.database = `${ctx.config.dataDir}/demo.sqlite`;
        }
        const store = openStore(ctx.config, { busyTimeoutMs: SERVICE_BUSY_TIMEOUT_MS });
        try {
          const service = await startService({
            config: ctx.config,
            store,
            log: ctx.log,
            env: process.env,
            demo: opts['demo'] === true,
          });
          if (service.adminTokenCreated !== undefined) {
            ctx.io.out(`Admin API token generated and written to ${service.adminTokenCreated} (mode 0600)\n`);
          }
          if (opts['demo'] === true) ctx.io.out(demoHelp(`http://${DEMO_LISTEN}`));
          await untilSignal();
          await service.close();
        } finally {
          store.close();
        }
      }),
    );
}

/** The demo's listener, unless the operator chose otherwise. */
function demoDefaults(opts: Record<string, unknown>): void {
  if (opts['directListeners'] === undefined) opts['directListeners'] = [`${DEMO_LISTEN}=${DEMO_NETWORK}`];
  // The demo's direct listener takes 8775, where the signed listener would be.
  if (opts['signedListen'] === undefined) opts['signedListen'] = '';
}
