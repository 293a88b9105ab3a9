// Entry point of the guest client process (started by guest-load.ts, pinned to the client CPU): takes
// one GuestJob over IPC, runs it, sends back the GuestRunResult, and exits.
import { runGuests, type GuestJob } from './guest-client.js';

process.once('message', (job: GuestJob) => {
  runGuests(job).then(
    (result) => process.send!(result, () => process.exit(0)),
    (err: unknown) => {
      process.stderr.write(`guest client failed: ${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
});
