import type { Instance } from './instance.js';
import type { Network } from './network.js';
import type { Port } from './port.js';

/** Everything rendering needs about one instance: itself, and its ports in order, each with its network. */
export interface InstanceRecord {
  instance: Instance;
  ports: Array<{ port: Port; network: Network }>;
}
