// Keeps the network listeners (and their plumbing) in step with the store while `serve` runs: attaches
// networks that gain an `attach`, detaches removed ones, and follows namespaces that disappear and come
// back — all without a restart. Polls the store's change mark (cheap) and the namespaces' presence.
import type { Server } from 'node:http';
import type { Logger } from '../log.js';
import type { Network } from '../model/network.js';
import type { Store } from '../store/store.js';
import { listenerGroups, type ListenerGroup } from './listener-groups.js';
import { closeServer } from './listen.js';
import type { OpenSocket } from './namespace-socket.js';

/** Plumbing for attached networks (src/net): idempotent apply of everything, removal of one network. */
export interface Plumbing {
  sync(attached: readonly Network[]): Promise<void>;
  remove(network: Network): Promise<void>;
  stop(): Promise<void>;
}

export interface AttachmentDeps {
  store: Pick<Store, 'listNetworks' | 'changeMark' | 'networkIdsOfRouter'>;
  openSocket: OpenSocket;
  namespaceExists: (name: string) => boolean;
  /** A guest server for a listener group; `networkIds` and `current` are read per request. */
  createServer: (
    group: ListenerGroup,
    networkIds: () => readonly string[],
    current: () => ListenerGroup,
  ) => Server;
  plumbing: Plumbing | null;
  log: Logger;
  pollMs: number;
}

interface Active {
  served: { group: ListenerGroup };
  server: Server;
}

export interface AttachmentSupervisor {
  /** Attaches what the store says, then keeps following it. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Listener groups serving now, and those waiting for their namespace. */
  status(): { serving: ListenerGroup[]; waiting: ListenerGroup[] };
  /** Runs one reconciliation now (tests; the poll does the same). */
  reconcile(): Promise<void>;
}

export function createAttachmentSupervisor(deps: AttachmentDeps): AttachmentSupervisor {
  const active = new Map<string, Active>();
  const waiting = new Map<string, ListenerGroup>();
  let attached: Network[] = [];
  let lastMark = -1;
  let lastPresence = '';
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const reconcile = async (): Promise<void> => {
    const networks = deps.store.listNetworks().filter((n) => n.attach !== null);
    const groups = listenerGroups(networks, (r) => deps.store.networkIdsOfRouter(r));
    await detachRemoved(networks);
    if (deps.plumbing !== null) await syncPlumbing(networks.filter((n) => present(n.attach!.namespace)));
    for (const group of groups) await attachGroup(group);
    for (const key of [...active.keys()])
      if (!groups.some((g) => g.key === key)) await closeGroup(key, 'no network is attached there any more');
    for (const key of [...waiting.keys()]) if (!groups.some((g) => g.key === key)) waiting.delete(key);
    attached = networks;
  };

  const present = (ns: string | null): boolean => ns === null || deps.namespaceExists(ns);

  const syncPlumbing = async (networks: Network[]): Promise<void> => {
    try {
      await deps.plumbing!.sync(networks);
    } catch (err) {
      deps.log.error(
        'attach.plumbing_failed',
        'Applying the network plumbing failed; listeners may not be reachable',
        { err },
      );
    }
  };

  const detachRemoved = async (networks: Network[]): Promise<void> => {
    for (const old of attached) {
      const now = networks.find((n) => n.id === old.id);
      if (now !== undefined && sameAttachment(now, old)) continue;
      deps.log.info(
        'attach.detached',
        `Network "${old.name}" is no longer attached as ${old.attach!.mode} on ${old.attach!.interface}`,
        { network: old.name },
      );
      if (deps.plumbing !== null && present(old.attach!.namespace)) {
        await deps.plumbing
          .remove(old)
          .catch((err: unknown) =>
            deps.log.warn('attach.plumbing_failed', `Removing the plumbing of "${old.name}" failed`, { err }),
          );
      }
    }
  };

  const attachGroup = async (group: ListenerGroup): Promise<void> => {
    const current = active.get(group.key);
    if (group.namespace !== null && !deps.namespaceExists(group.namespace)) {
      if (current !== undefined) await closeGroup(group.key, `namespace "${group.namespace}" disappeared`);
      if (!waiting.has(group.key)) {
        deps.log.error(
          'attach.namespace_missing',
          `Cannot serve ${group.networks.join(', ')}: namespace "${group.namespace}" does not exist; will attach when it appears`,
          { namespace: group.namespace },
        );
      }
      waiting.set(group.key, group);
      return;
    }
    if (current !== undefined) {
      current.served.group = group; // networks served may have changed; the socket stays
      return;
    }
    try {
      const handle = await deps.openSocket(group.namespace, group.host, group.port);
      // The networks a socket serves can change while it stays open: the server reads them per request.
      const served = { group };
      const server = deps.createServer(
        group,
        () => served.group.networkIds,
        () => served.group,
      );
      await new Promise<void>((resolve) => server.listen(handle, () => resolve()));
      active.set(group.key, { served, server });
      const wasWaiting = waiting.delete(group.key);
      deps.log.info(
        'attach.listening',
        `Serving ${group.networks.join(', ')} on ${group.host}:${group.port} in ${group.namespace ?? 'the host namespace'}${wasWaiting ? ' (namespace is back)' : ''}`,
        { namespace: group.namespace, networks: group.networks },
      );
    } catch (err) {
      if (!waiting.has(group.key))
        deps.log.error('attach.failed', (err as Error).message, {
          namespace: group.namespace,
          hint: (err as { hint?: string }).hint,
        });
      waiting.set(group.key, group);
    }
  };

  const closeGroup = async (key: string, why: string): Promise<void> => {
    const entry = active.get(key);
    if (entry === undefined) return;
    active.delete(key);
    await closeServer(entry.server);
    deps.log.warn(
      'attach.closed',
      `Stopped serving ${entry.served.group.networks.join(', ')} in ${entry.served.group.namespace ?? 'the host namespace'}: ${why}`,
      { namespace: entry.served.group.namespace },
    );
  };

  const presence = (): string =>
    [...new Set(deps.store.listNetworks().flatMap((n) => (n.attach?.namespace ? [n.attach.namespace] : [])))]
      .map((ns) => `${ns}=${deps.namespaceExists(ns)}`)
      .join(',');

  const tick = (): void => {
    running = running
      .then(async () => {
        const mark = deps.store.changeMark();
        const now = presence();
        if (mark === lastMark && now === lastPresence && waiting.size === 0) return;
        lastMark = mark;
        lastPresence = now;
        await reconcile();
      })
      .catch((err: unknown) =>
        deps.log.error('attach.failed', 'Reconciling attached networks failed', { err }),
      );
  };

  return {
    async start() {
      lastMark = deps.store.changeMark();
      lastPresence = presence();
      await reconcile();
      timer = setInterval(tick, deps.pollMs);
      timer.unref();
    },
    async stop() {
      if (timer !== undefined) clearInterval(timer);
      await running;
      await Promise.all([...active.keys()].map((k) => closeGroup(k, 'the service is stopping')));
      if (deps.plumbing !== null) await deps.plumbing.stop();
    },
    status: () => ({
      serving: [...active.values()].map((a) => a.served.group),
      waiting: [...waiting.values()],
    }),
    reconcile: () => (running = running.then(reconcile)),
  };
}

/**
 * Same attachment, with defaults spelled out (onlink: false and an absent onlink are the same).
 * neighbourCheck needs no plumbing (the listener reads it per request), so it is left out.
 */
function sameAttachment(a: Network, b: Network): boolean {
  const canon = (n: Network) =>
    n.attach === null ? null : { ...n.attach, onlink: n.attach.onlink === true, neighbourCheck: undefined };
  return JSON.stringify(canon(a)) === JSON.stringify(canon(b));
}
