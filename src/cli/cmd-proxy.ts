import { Command } from 'commander';

/** `openimds proxy` (being written: src/proxy). */
export function proxyCommand(): Command {
  return new Command('proxy').summary("Neutron's namespace metadata proxy");
}

/** `openimds agent` (being written: src/proxy). */
export function agentCommand(): Command {
  return new Command('agent').summary("Neutron's metadata agent, for sites that keep a real Nova");
}
