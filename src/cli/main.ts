#!/usr/bin/env node
// openimds <noun> <verb>: the command line. Only src/cli reads argv, the environment and files.
import { Command, CommanderError } from 'commander';
import { EXIT_CODES } from '../errors.js';
import { applyCommand, exportCommand } from './cmd-apply.js';
import { instanceCommand } from './cmd-instance.js';
import { doctorCommand } from './cmd-doctor.js';
import { netCommand } from './cmd-net.js';
import { networkCommand } from './cmd-network.js';
import { agentCommand, proxyCommand } from './cmd-proxy.js';
import { routerCommand } from './cmd-router.js';
import { serveCommand } from './cmd-serve.js';

export function buildProgram(): Command {
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
  for (const cmd of [
    serveCommand(),
    applyCommand(),
    exportCommand(),
    networkCommand(),
    routerCommand(),
    instanceCommand(),
    netCommand(),
    proxyCommand(),
    agentCommand(),
    doctorCommand(),
  ]) {
    program.addCommand(cmd);
  }
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
    await buildProgram().parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? 0 : EXIT_CODES.usage;
      return;
    }
    throw err;
  }
}

await main();
