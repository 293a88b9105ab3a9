#!/usr/bin/env node
// openimds <noun> <verb>: the command line. Only src/cli reads argv, the environment and files.
import { Command, CommanderError } from 'commander';
import { EXIT_CODES } from '../errors.js';

// Each command's module, and all it imports (SQLite, undici, yaml, the doctor, nftables plans), is
// loaded only when that command runs: `openimds serve` used to load every command's code before
// answering its first request (docs/performance.md "Start-up"). In help order.
const COMMANDS: ReadonlyArray<readonly [name: string, load: () => Promise<Command>]> = [
  ['serve', async () => (await import('./cmd-serve.js')).serveCommand()],
  ['apply', async () => (await import('./cmd-apply.js')).applyCommand()],
  ['export', async () => (await import('./cmd-apply.js')).exportCommand()],
  ['network', async () => (await import('./cmd-network.js')).networkCommand()],
  ['router', async () => (await import('./cmd-router.js')).routerCommand()],
  ['instance', async () => (await import('./cmd-instance.js')).instanceCommand()],
  ['net', async () => (await import('./cmd-net.js')).netCommand()],
  ['proxy', async () => (await import('./cmd-proxy.js')).proxyCommand()],
  ['agent', async () => (await import('./cmd-proxy.js')).agentCommand()],
  ['doctor', async () => (await import('./cmd-doctor.js')).doctorCommand()],
];

/**
 * The program with the command named by `argv` only, or with every command when none is named
 * (help, --version, a typo: commander then lists or suggests them all).
 */
export async function buildProgram(argv: readonly string[] = process.argv): Promise<Command> {
  const named = COMMANDS.filter(([name]) => name === argv[2]);
  const commands = await Promise.all((named.length > 0 ? named : COMMANDS).map(([, load]) => load()));
  const program = new Command('openimds')
    .description(
      'openimds — an instance metadata service: Nova-compatible OpenStack and EC2 metadata for guests,\n' +
        'the Neutron-compatible path to it, and the tools to run and debug it.\n\n' +
        'Start with:  openimds serve --demo   (then curl http://127.0.0.1:8775/openstack/latest/meta_data.json)',
    )
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .addHelpText(
      'after',
      '\nConfiguration: --config FILE (YAML), OPENIMDS_* environment variables, then flags; later wins.\n' +
        'Exit codes: 0 ok, 1 findings, 2 usage, 3 invalid input, 4 not found, 5 conflict, 6 config/environment, 70 internal.\n' +
        'Docs: README.md, docs/inventory.md, docs/api.md, docs/errors.md',
    );
  for (const cmd of commands) program.addCommand(cmd);
  // Every subcommand reports usage errors the same way (exit 2), and so does every nested one.
  const overrideAll = (c: Command): void => {
    c.exitOverride();
    c.showHelpAfterError('(run with --help for usage)');
    c.commands.forEach(overrideAll);
  };
  overrideAll(program);
  return program;
}

async function main(): Promise<void> {
  try {
    await (await buildProgram(process.argv)).parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? 0 : EXIT_CODES.usage;
      return;
    }
    throw err;
  }
}

await main();
