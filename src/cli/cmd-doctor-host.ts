import type { Command } from 'commander';

/** `doctor host`, `doctor openstack` (being written). */
export function doctorHostCommands(): Command[] {
  return [];
}
