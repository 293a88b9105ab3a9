import { Command } from 'commander';
import { doctorGuestCommands } from './cmd-doctor-guest.js';
import { doctorHostCommands } from './cmd-doctor-host.js';

/** `openimds doctor …`: names the cause and the fix of a guest that cannot reach its metadata. */
export function doctorCommand(): Command {
  const cmd = new Command('doctor')
    .summary('find why a guest cannot reach its metadata, and say how to fix it')
    .description(
      "Reads the guest's and the host's state, reasons about the path a packet to 169.254.169.254 takes,\n" +
        'and reports each cause with its evidence and its fix (ids in docs/doctor.md). Exit code 0 when\n' +
        'nothing is wrong, 1 when something is. --json on every subcommand.',
    );
  for (const sub of [...doctorGuestCommands(), ...doctorHostCommands()]) cmd.addCommand(sub);
  return cmd;
}
