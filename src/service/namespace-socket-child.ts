// Run by `ip netns exec <ns> node namespace-socket-child.js <host> <port>`: creates a listening TCP
// socket inside the namespace it was started in and hands it to the parent over Node's IPC channel
// (child.send(msg, server)), then exits. A Linux socket belongs to the namespace it was created in,
// whoever accepts on it later (DESIGN.md "Why the socket hand-off").
import { createServer } from 'node:net';

const [host, portText] = process.argv.slice(2);
const server = createServer();
server.on('error', (err: NodeJS.ErrnoException) => {
  process.send?.({ type: 'error', code: err.code ?? 'ERROR', message: err.message }, () => process.exit(1));
});
server.listen({ host, port: Number(portText), exclusive: true }, () => {
  process.send?.({ type: 'listening' }, server, () => process.exit(0));
});
