// The plumbing of attached networks for a long-running service (`openimds serve`): apply everything
// that is attached (idempotent, so it runs on every change), remove one network's part when it is
// detached, and keep one dnsmasq per isolated network. Structurally the `Plumbing` seam of
// src/service/attachment-supervisor.ts.
import { ImdsError, toImdsError } from '../errors.js';
import type { Network } from '../model/network.js';
import { runCommands } from './apply-plan.js';
import { checkAttachment } from './check-attachment.js';
import type { DnsmasqPool } from './dnsmasq-pool.js';
import type { DnsmasqDirs } from './dnsmasq-paths.js';
import type { Exec } from './exec.js';
import { hostedPorts, type InstancesWithPorts } from './hosted-ports.js';
import { plumbingPlan } from './plan.js';

export interface NetPlumbingDeps {
  exec: Exec;
  dnsmasq: DnsmasqPool;
  /** Read when an isolated network needs its reservations (e.g. () => store.snapshot().instances). */
  instances: () => InstancesWithPorts;
  dirs: DnsmasqDirs;
}

export interface NetPlumbing {
  /** `attached`: every attached network whose namespace exists. Tries every section; throws the failures. */
  sync(attached: readonly Network[]): Promise<void>;
  /** `network`: as it was when last synced (its old attach). */
  remove(network: Network): Promise<void>;
  /** Stops the dnsmasq processes; addresses and nft stay (guests keep their path while serve restarts). */
  stop(): Promise<void>;
}

export function createNetPlumbing(deps: NetPlumbingDeps): NetPlumbing {
  let last: readonly Network[] = [];
  return {
    async sync(attached) {
      let instances: InstancesWithPorts | undefined;
      const ports = (id: string) => hostedPorts((instances ??= deps.instances()), id);
      const failures: ImdsError[] = [];
      const valid = attached.filter((n) => {
        try {
          checkAttachment(n);
          return true;
        } catch (err) {
          failures.push(toImdsError(err));
          return false;
        }
      });
      const plan = plumbingPlan(valid, { dirs: deps.dirs, ports });
      for (const section of plan.sections) {
        await runCommands(section.apply, deps.exec).catch((err: unknown) => failures.push(toImdsError(err)));
      }
      const isolated = valid.filter((n) => n.attach?.mode === 'isolated');
      await deps.dnsmasq.sync(isolated.map((network) => ({ network, ports: ports(network.id) })));
      last = [...attached];
      if (failures.length === 1) throw failures[0];
      if (failures.length > 1) {
        throw new ImdsError('PLUMBING_FAILED', `Cannot plumb ${failures.length} of the attached networks`, {
          details: failures.map((f) => f.message),
          hint: failures[0]!.hint,
        });
      }
    },
    async remove(network) {
      await deps.dnsmasq.stopNetwork(network.id);
      // The router table of a shared namespace is rewritten from the networks still there.
      const attached = [...last.filter((n) => n.id !== network.id), network];
      const plan = plumbingPlan(attached, { only: network.id, dirs: deps.dirs, ports: () => [] });
      last = last.filter((n) => n.id !== network.id);
      for (const section of plan.sections) await runCommands(section.remove, deps.exec);
    },
    stop: () => deps.dnsmasq.stop(),
  };
}
