// The baseline: the least a node:http server can do on this machine — answer every request with the
// same precomputed Buffer (a real meta_data.json) and its headers. What openimds is measured against.
// Usage: node baseline-server.js HOST PORT BODY_FILE
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const [host = '127.0.0.1', port = '0', bodyFile = ''] = process.argv.slice(2);
const body = readFileSync(bodyFile);
const headers = { 'content-type': 'application/json', 'content-length': String(body.length) };

const server = createServer((req, res) => {
  req.resume();
  res.writeHead(200, headers);
  res.end(body);
});
// The same idle keep-alive timeout as the guest listeners (docs/api.md "Limits").
server.keepAliveTimeout = 5000;
server.listen({ host, port: Number(port) });
process.on('SIGTERM', () => process.exit(0));
