// Wires src/net (render, then apply) into the attachment supervisor's Plumbing seam.
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { createDnsmasqPool } from '../net/dnsmasq-pool.js';
import { createDnsmasqSupervisor } from '../net/dnsmasq-supervisor.js';
import { systemExec } from '../net/exec.js';
import { createNetPlumbing } from '../net/net-plumbing.js';
import type { Plumbing } from '../service/attachment-supervisor.js';
import type { Store } from '../store/store.js';

export function createPlumbing(deps: { config: Config; store: Store; log: Logger }): Plumbing {
  const dirs = { dataDir: deps.config.dataDir, runDir: deps.config.runDir };
  return createNetPlumbing({
    exec: systemExec,
    dnsmasq: createDnsmasqPool(() => createDnsmasqSupervisor({ log: deps.log, dirs })),
    // Read only when an isolated network needs its reservations.
    instances: () => deps.store.snapshot().instances,
    dirs,
  });
}
