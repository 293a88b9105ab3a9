import { Command } from 'commander';

/** `openimds net plan|apply|remove` (being written: src/net). */
export function netCommand(): Command {
  return new Command('net').summary('render and apply the network plumbing of attached networks');
}
