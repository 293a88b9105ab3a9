// Binding listeners, with errors that say what to do (port in use, address not present, permissions).
import { chmodSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { connect, type Server } from 'node:net';
import { dirname } from 'node:path';
import { ImdsError } from '../errors.js';

export function listenTcp(
  server: Server,
  host: string,
  port: number,
  what: string,
): Promise<{ host: string; port: number }> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      reject(
        new ImdsError(
          'LISTEN_FAILED',
          `Cannot listen for the ${what} on ${host}:${port}: ${err.code ?? err.message}`,
          {
            hint: hintFor(err.code, `${host}:${port}`),
            cause: err,
          },
        ),
      );
    };
    server.once('error', onError);
    server.listen({ host, port }, () => {
      server.off('error', onError);
      const addr = server.address();
      resolve(
        typeof addr === 'object' && addr !== null ? { host: addr.address, port: addr.port } : { host, port },
      );
    });
  });
}

/**
 * Listens on a UNIX socket. A leftover socket file from a dead process is replaced; a socket that
 * still answers belongs to a running service and is left alone (LISTEN_FAILED).
 */
export async function listenUnix(server: Server, path: string, mode: number, what: string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  if (await socketAnswers(path)) {
    throw new ImdsError(
      'LISTEN_FAILED',
      `Cannot listen for the ${what} on "${path}" as another process is serving it`,
      {
        hint: 'Stop the other openimds, or choose another socket path',
      },
    );
  }
  try {
    if (lstatSync(path).isSocket()) unlinkSync(path);
  } catch {
    // absent: nothing to remove
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new ImdsError(
          'LISTEN_FAILED',
          `Cannot listen for the ${what} on "${path}": ${err.code ?? err.message}`,
          { hint: hintFor(err.code, path), cause: err },
        ),
      ),
    );
    server.listen(path, () => resolve());
  });
  // File permissions are the trust boundary of the tagged listener (as Neutron's agent socket).
  chmodSync(path, mode);
}

function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function hintFor(code: string | undefined, where: string): string {
  switch (code) {
    case 'EADDRINUSE':
      return `Something else listens on ${where}: find it with "ss -ltnp" and stop it, or choose another address`;
    case 'EADDRNOTAVAIL':
      return `No interface has this address: add it ("ip addr add …") or choose another`;
    case 'EACCES':
      return 'Ports below 1024 and some paths need root (or CAP_NET_BIND_SERVICE)';
    default:
      return 'Check the address and permissions';
  }
}

/** After this, connections still open at shutdown (a request in progress, a client that never sent one) are cut. */
const CLOSE_GRACE_MS = 2000;

export function closeServer(server: Server): Promise<void> {
  const http = server as { closeIdleConnections?: () => void; closeAllConnections?: () => void };
  return new Promise((resolve) => {
    const cut = setTimeout(() => http.closeAllConnections?.(), CLOSE_GRACE_MS);
    server.close(() => {
      clearTimeout(cut);
      resolve();
    });
    // End idle keep-alive connections so close() completes promptly.
    http.closeIdleConnections?.();
  });
}
