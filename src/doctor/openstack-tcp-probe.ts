// Does anything accept a TCP connection at host:port? Nothing is sent; the socket is closed at once.
import { connect } from 'node:net';
import type { TcpProbeResult } from './openstack-state.js';

/** Long enough for a LAN, short enough that a diagnosis stays fast (brief: 1–2 s). */
export const TCP_PROBE_TIMEOUT_MS = 1500;

export function tcpProbe(
  host: string,
  port: number,
  timeoutMs = TCP_PROBE_TIMEOUT_MS,
): Promise<TcpProbeResult> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean, error?: string): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ host, port, ok, ...(error === undefined ? {} : { error }) });
    };
    const timer = setTimeout(() => done(false, `no answer within ${timeoutMs} ms`), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', (err: NodeJS.ErrnoException) => done(false, err.code ?? err.message));
  });
}
