// Writes a dnsmasq's hosts and options files where it can read them after dropping root (see
// dnsmasq-paths.ts), each replaced by a rename so a SIGHUP never finds one half-written.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import type { DnsmasqConfig } from './dnsmasq-config.js';

export function writeDnsmasqFiles(config: DnsmasqConfig): void {
  mkdirSync(config.paths.filesDir, { recursive: true, mode: 0o755 });
  mkdirSync(config.paths.stateDir, { recursive: true, mode: 0o700 });
  for (const file of config.files) {
    const tmp = `${file.path}.new`;
    writeFileSync(tmp, file.content, { mode: 0o644 });
    renameSync(tmp, file.path);
  }
}
