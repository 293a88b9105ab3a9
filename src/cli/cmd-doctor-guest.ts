import type { Command } from 'commander';

/** `doctor guest-script`, `doctor analyze`, `doctor guest` (being written). */
export function doctorGuestCommands(): Command[] {
  return [];
}
