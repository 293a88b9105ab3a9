// Opens a listening TCP socket inside a network namespace and returns it in this process: a short-lived
// child started with `ip netns exec` creates it and hands it back over the IPC channel. With no
// namespace, the socket is opened here directly.
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { ImdsError } from '../errors.js';

const CHILD = fileURLToPath(new URL('./namespace-socket-child.js', import.meta.url));
const HANDOFF_TIMEOUT_MS = 10_000;

export type OpenSocket = (namespace: string | null, host: string, port: number) => Promise<Server>;

export const openSocket: OpenSocket = (namespace, host, port) =>
  namespace === null ? listenHere(host, port) : listenInNamespace(namespace, host, port);

function listenHere(host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(bindError('the host namespace', host, port, err.code ?? err.message)),
    );
    server.listen({ host, port, exclusive: true }, () => resolve(server));
  });
}

function listenInNamespace(namespace: string, host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', namespace, process.execPath, CHILD, host, String(port)], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(bindError(`namespace "${namespace}"`, host, port, 'no answer from the helper process'));
    }, HANDOFF_TIMEOUT_MS);
    child.on('message', (msg: { type: string; code?: string }, handle: unknown) => {
      clearTimeout(timer);
      if (msg.type === 'listening' && handle !== undefined) resolve(handle as Server);
      else reject(bindError(`namespace "${namespace}"`, host, port, msg.code ?? 'unknown error'));
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(bindError(`namespace "${namespace}"`, host, port, err.message));
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      // After a successful hand-off the promise is already settled; this only reports a failed start.
      reject(
        bindError(`namespace "${namespace}"`, host, port, stderr.trim() || `helper exited with ${code}`),
      );
    });
  });
}

function bindError(where: string, host: string, port: number, why: string): ImdsError {
  return new ImdsError('LISTEN_FAILED', `Cannot listen on ${host}:${port} in ${where}: ${why}`, {
    hint:
      why === 'EADDRNOTAVAIL'
        ? `The address is not on any interface there: apply the plumbing (openimds net apply) or add it`
        : why === 'EADDRINUSE'
          ? `Something already listens there: find it with "ip netns exec <ns> ss -ltnp"`
          : 'Check that the namespace exists (ip netns list) and that openimds runs as root',
  });
}
