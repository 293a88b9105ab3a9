// What `doctor openstack` reads before it reasons: the parsed files, and the result of connecting
// to the Nova metadata API the agent points at. Collected by collectOpenstackState (I/O injected).
import { parseIni, type IniFile } from './ini-parse.js';
import { readOption, type OpenstackFile } from './openstack-options.js';

export interface ConfigFileState {
  path: string;
  ini?: IniFile;
  /** Why it could not be read (errno code or message); unset when it was. */
  error?: string;
}

export interface TcpProbeResult {
  host: string;
  port: number;
  ok: boolean;
  /** ECONNREFUSED, timeout after 1500 ms, … */
  error?: string;
}

export interface OpenstackState {
  files: Partial<Record<OpenstackFile, ConfigFileState>>;
  /** Connecting to nova_metadata_host:nova_metadata_port; undefined when not tried. */
  novaProbe?: TcpProbeResult;
  /** StaticJSON's vendordata_jsonfile_path read on this host; undefined when not configured. */
  vendordata?: { path: string; error?: string };
}

export interface OpenstackIo {
  readFile(path: string): Promise<string>;
  /** TCP connect with a short timeout; undefined turns the probe off (--no-probe). */
  probe?: (host: string, port: number) => Promise<TcpProbeResult>;
}

export async function collectOpenstackState(
  paths: Partial<Record<OpenstackFile, string>>,
  io: OpenstackIo,
): Promise<OpenstackState> {
  const files: OpenstackState['files'] = {};
  for (const [file, path] of Object.entries(paths) as Array<[OpenstackFile, string | undefined]>) {
    if (path === undefined) continue;
    files[file] = await readConfigFile(path, io);
  }
  const vendordata = await readVendordata(files.nova?.ini, io);
  const base = vendordata === undefined ? { files } : { files, vendordata };
  const agent = files.metadataAgent?.ini;
  if (agent === undefined || io.probe === undefined) return base;
  const host = readOption(agent, 'novaMetadataHost').value ?? '127.0.0.1';
  const port = Number(readOption(agent, 'novaMetadataPort').value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return base;
  return { ...base, novaProbe: await io.probe(host, port) };
}

/** Nova refuses every request when StaticJSON's file is missing or not JSON (F13). */
async function readVendordata(
  nova: IniFile | undefined,
  io: OpenstackIo,
): Promise<OpenstackState['vendordata']> {
  if (nova === undefined) return undefined;
  const providers = readOption(nova, 'novaVendordataProviders').value ?? '';
  const path = readOption(nova, 'novaVendordataFile').value;
  if (path === undefined || path === '' || !providers.split(',').some((p) => p.trim() === 'StaticJSON'))
    return undefined;
  try {
    JSON.parse(await io.readFile(path));
    return { path };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { path, error: e instanceof SyntaxError ? `not JSON: ${e.message}` : (e.code ?? e.message) };
  }
}

async function readConfigFile(path: string, io: OpenstackIo): Promise<ConfigFileState> {
  try {
    return { path, ini: parseIni(await io.readFile(path)) };
  } catch (err) {
    return { path, error: (err as NodeJS.ErrnoException).code ?? (err as Error).message };
  }
}
