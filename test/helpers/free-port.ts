// A TCP port on 127.0.0.1 that was free a moment ago, for a server a test starts in another process
// (haproxy, a child service) and so cannot ask to listen on port 0 and report back.
import { createServer } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
