// One request through a path of the service, as a guest's would arrive: through the agent's UNIX
// socket (tagged, as a namespace proxy sends it) or to the signed listener (signed, as an agent
// sends it). Only the status matters; the body is read and dropped.
import { request } from 'node:http';
import { signInstanceId } from '../auth/signature.js';
import type { PathProbe } from './host-state.js';

export const PATH_PROBE_TIMEOUT_MS = 3000;

/** A registered port to ask as: its network, address, instance and project. */
export interface ProbeIdentity {
  networkId: string;
  address: string;
  instanceUuid: string;
  projectId: string;
}

/** Through `openimds agent` (or neutron-metadata-agent): Neutron's proxy headers, as haproxy adds them. */
export function probeAgent(socketPath: string, who: ProbeIdentity): Promise<PathProbe> {
  return send(
    { socketPath, path: '/openstack' },
    {
      'X-Forwarded-For': who.address,
      'X-Neutron-Network-ID': who.networkId,
    },
  ).then((r) => ({
    path: 'agent',
    target: socketPath,
    as: `${who.address} on network ${who.networkId}`,
    ...r,
  }));
}

/** To the signed listener, signed with `secret` (the doctor's own view of the shared secret). */
export function probeSigned(url: string, secret: string, who: ProbeIdentity): Promise<PathProbe> {
  const u = new URL('/openstack', url);
  return send(
    { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 80), path: u.pathname },
    {
      'X-Instance-ID': who.instanceUuid,
      'X-Tenant-ID': who.projectId,
      'X-Instance-ID-Signature': signInstanceId(secret, who.instanceUuid),
      'X-Forwarded-For': who.address,
    },
  ).then((r) => ({ path: 'signed', target: url, as: `instance ${who.instanceUuid}`, ...r }));
}

function send(
  target: { socketPath?: string; host?: string; port?: number; path: string },
  headers: Record<string, string>,
): Promise<{ status?: number; error?: string }> {
  return new Promise((resolve) => {
    const req = request({ ...target, method: 'GET', headers, timeout: PATH_PROBE_TIMEOUT_MS }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
      res.on('error', (err) => resolve({ error: err.message }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${PATH_PROBE_TIMEOUT_MS} ms`)));
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    req.end();
  });
}
