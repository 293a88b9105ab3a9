// Free TCP ports on loopback for the servers the benchmark starts. Chosen below the ephemeral range
// (32768–60999 here), which wrk and the guest client exhaust quickly with Connection: close.
import { createServer } from 'node:net';

const LOW = 21000;
const HIGH = 29999;

export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (await canBind(port)) return port;
  }
  throw new Error(`Cannot find a free TCP port in ${LOW}..${HIGH} on 127.0.0.1`);
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}
