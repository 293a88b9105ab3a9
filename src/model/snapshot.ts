import type { Instance } from './instance.js';
import type { Network, Router } from './network.js';
import type { Port } from './port.js';

/** The whole store at one moment: what the inventory diffs against and what `export` writes. */
export interface Snapshot {
  routers: Router[];
  networks: Network[];
  /** Each instance with its ports, in port order. */
  instances: Array<{ instance: Instance; ports: Port[] }>;
}
