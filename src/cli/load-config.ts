// Builds the Config for a command: defaults, then the YAML file, then OPENIMDS_* variables, then flags.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import {
  configFromEnv,
  configFromFile,
  defaultConfig,
  resolveConfig,
  SETTINGS,
  type Config,
  type ConfigLayer,
} from '../config.js';
import { ImdsError } from '../errors.js';

// The YAML parser is loaded only when there is something to parse (start-up time: docs/performance.md);
// a blank file is what YAML makes of it without the parser: null.
const require = createRequire(import.meta.url);
function parseYaml(text: string): unknown {
  if (/^[ \t\r\n]*$/.test(text)) return null;
  return (require('yaml') as typeof import('yaml')).parse(text);
}

export const DEFAULT_CONFIG_FILE = '/etc/openimds/openimds.yaml';

export function loadConfig(
  flags: Record<string, unknown>,
  env: NodeJS.ProcessEnv = process.env,
): { config: Config; file: string | undefined } {
  const explicit = (flags['config'] as string | undefined) ?? env['OPENIMDS_CONFIG'];
  const file = explicit ?? (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined);
  const layers: Array<{ source: string; layer: ConfigLayer }> = [];
  if (file !== undefined)
    layers.push({ source: `config file "${file}"`, layer: configFromFile(readConfigFile(file), file) });
  layers.push({ source: 'the environment', layer: configFromEnv(env) });
  layers.push({ source: 'the command line', layer: flagsLayer(flags) });
  const config = resolveConfig(defaultConfig({ uid: process.getuid?.() ?? 1000, home: homedir() }), layers);
  return { config, file };
}

function readConfigFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ImdsError('CONFIG_INVALID', `Cannot read config file "${file}": ${(err as Error).message}`, {
      hint: 'Give an existing file with --config or OPENIMDS_CONFIG',
    });
  }
  try {
    return parseYaml(text);
  } catch (err) {
    throw new ImdsError('CONFIG_INVALID', `Cannot parse config file "${file}": ${(err as Error).message}`);
  }
}

/** Commander gives camelCase option keys: exactly our Config keys. */
function flagsLayer(flags: Record<string, unknown>): ConfigLayer {
  const layer: ConfigLayer = {};
  for (const s of SETTINGS) if (flags[s.key] !== undefined) layer[s.key] = flags[s.key];
  return layer;
}
