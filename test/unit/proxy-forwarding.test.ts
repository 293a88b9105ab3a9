// The pure parts of the forwarders (src/proxy): which headers cross a hop, the fixed pages, how an
// upstream failure is classified and how Nova's statuses are mapped (reference §3.4, §3.5).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { signInstanceId } from '../../src/auth/signature.js';
import { createLogger } from '../../src/log.js';
import { forwardRequestHeaders, forwardResponseHeaders } from '../../src/proxy/forward-headers.js';
import { haproxyPage } from '../../src/proxy/haproxy-page.js';
import { isIdentityHeader } from '../../src/proxy/identity-headers.js';
import { neutronPage } from '../../src/proxy/neutron-page.js';
import { novaHeaders } from '../../src/proxy/nova-headers.js';
import { decideNovaStatus } from '../../src/proxy/nova-outcome.js';
import { NOVA_STATUS_ACTIONS } from '../../src/proxy/nova-status.js';
import { originPath } from '../../src/proxy/origin-path.js';
import { peerAddress } from '../../src/http/peer-address.js';
import { classifyUpstreamError, errorCode } from '../../src/proxy/upstream-failure.js';

test('isIdentityHeader() covers every header any listener or Nova reads as identity, in any case', () => {
  for (const name of [
    'X-Forwarded-For',
    'forwarded',
    'X-NEUTRON-NETWORK-ID',
    'X-Neutron-Router-ID',
    'X-OVN-Network-ID',
    'X-Instance-ID',
    'X-Instance-ID-Signature',
    'X-Tenant-ID',
    'X-Metadata-Provider',
    'X-Metadata-Provider-Signature',
  ]) {
    assert.ok(isIdentityHeader(name), name);
  }
  for (const name of ['Host', 'User-Agent', 'X-aws-ec2-metadata-token', 'Accept', 'X-Instance']) {
    assert.ok(!isIdentityHeader(name), name);
  }
});

test('forwardRequestHeaders() keeps names, order and repeats; drops hop-by-hop, Connection-named and dropped ones', () => {
  const raw = [
    'Host',
    '169.254.169.254',
    'Connection',
    'keep-alive, X-Hop',
    'X-Hop',
    'a',
    'Accept',
    'text/plain',
    'X-Forwarded-For',
    '10.0.0.9',
    'Accept',
    '*/*',
    'Transfer-Encoding',
    'chunked',
    'Content-Length',
    '4',
    'Expect',
    '100-continue',
    'Keep-Alive',
    'timeout=5',
  ];
  assert.deepEqual(forwardRequestHeaders(raw, isIdentityHeader), [
    'Host',
    '169.254.169.254',
    'Accept',
    'text/plain',
    'Accept',
    '*/*',
  ]);
});

test('forwardResponseHeaders() keeps end-to-end headers and the length, drops hop-by-hop ones', () => {
  assert.deepEqual(
    forwardResponseHeaders({
      'content-type': 'application/json',
      'content-length': '12',
      connection: 'keep-alive',
      'keep-alive': 'timeout=5',
      'set-cookie': ['a=1', 'b=2'],
      date: 'Mon, 01 Jan 2024 00:00:00 GMT',
    }),
    {
      'content-type': 'application/json',
      'content-length': '12',
      'set-cookie': ['a=1', 'b=2'],
      date: 'Mon, 01 Jan 2024 00:00:00 GMT',
    },
  );
  // A chunked answer is re-framed by node: no length to keep.
  assert.deepEqual(forwardResponseHeaders({ 'transfer-encoding': 'chunked', 'content-type': 'text/plain' }), {
    'content-type': 'text/plain',
  });
});

test('originPath() passes origin form through and reduces absolute form; refuses the rest', () => {
  assert.equal(originPath('/latest/meta-data/?a=1'), '/latest/meta-data/?a=1');
  assert.equal(originPath('http://169.254.169.254/openstack/latest?x'), '/openstack/latest?x');
  assert.equal(originPath('*'), undefined);
  assert.equal(originPath('169.254.169.254:80'), undefined);
});

test('peerAddress() unmaps IPv4-mapped peers and drops the zone of a link-local one', () => {
  assert.equal(peerAddress('::ffff:10.0.0.5'), '10.0.0.5');
  assert.equal(peerAddress('10.0.0.5'), '10.0.0.5');
  assert.equal(peerAddress('fe80::f816:3eff:fe00:1%eth0'), 'fe80::f816:3eff:fe00:1');
  assert.equal(peerAddress('2001:DB8::1'), '2001:db8::1');
  assert.equal(peerAddress(undefined), undefined);
  assert.equal(peerAddress(''), undefined);
});

test("haproxyPage() gives haproxy's small fixed pages for 502, 503 and 504", () => {
  const p503 = haproxyPage(503);
  assert.equal(
    p503.body.toString(),
    '<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>\n',
  );
  assert.equal(p503.headers['content-type'], 'text/html');
  assert.match(haproxyPage(504).body.toString(), /<h1>504 Gateway Time-out<\/h1>/);
  assert.match(haproxyPage(502).body.toString(), /<h1>502 Bad Gateway<\/h1>/);
});

test("neutronPage() is Neutron's encode_http_reponse page: 95 + 2 × len(title) + len(message) bytes", () => {
  const message = 'Instance was not found on network net-1.';
  const page = neutronPage(404, message);
  assert.equal(page.status, 404);
  assert.equal(page.headers['content-type'], 'text/plain; charset=UTF-8');
  assert.equal(page.body.length, 95 + 2 * '404 Not Found'.length + message.length);
  assert.equal(
    page.body.toString(),
    '<html>\n <head>\n  <title>404 Not Found</title>\n </head>\n <body>\n  <h1>404 Not Found</h1>\n' +
      `  ${message}<br /><br />\n\n\n </body>\n</html>`,
  );
});

const coded = (code: string, cause?: Error) => Object.assign(new Error(code, { cause }), { code });

test('classifyUpstreamError() tells nobody-there (503), too slow (504) and broken (502) apart', () => {
  for (const code of ['ECONNREFUSED', 'ENOENT', 'EACCES', 'UND_ERR_CONNECT_TIMEOUT', 'ENOTFOUND']) {
    assert.equal(classifyUpstreamError(coded(code)), 'unavailable', code);
  }
  assert.equal(classifyUpstreamError(coded('UND_ERR_HEADERS_TIMEOUT')), 'timeout');
  assert.equal(classifyUpstreamError(coded('UND_ERR_BODY_TIMEOUT')), 'timeout');
  for (const code of ['UND_ERR_SOCKET', 'ECONNRESET', 'HPE_INVALID_CONSTANT']) {
    assert.equal(classifyUpstreamError(coded(code)), 'broken', code);
  }
  assert.equal(classifyUpstreamError(new Error('no code')), 'broken');
  // A wrapped cause is found.
  assert.equal(errorCode(new Error('outer', { cause: coded('ECONNREFUSED') })), 'ECONNREFUSED');
});

test('NOVA_STATUS_ACTIONS passes through exactly the statuses Neutron passes (§3.5.4)', () => {
  assert.deepEqual(
    Object.keys(NOVA_STATUS_ACTIONS).map(Number),
    [200, 400, 403, 404, 409, 500, 502, 503, 504],
  );
});

test('decideNovaStatus() warns on 403 (shared secrets) and 500, answers 502 for anything else', () => {
  const lines: Array<{ event: string; msg: string; level: string }> = [];
  const log = createLogger({ level: 'debug', format: 'json', write: (l) => lines.push(JSON.parse(l)) });
  const nova = { base: 'http://127.0.0.1:8775', timeoutMs: 60_000, log };
  assert.equal(decideNovaStatus(nova, 200, 'uuid-1'), 'pass');
  assert.equal(lines.length, 0);
  assert.equal(decideNovaStatus(nova, 403, 'uuid-1'), 'pass');
  assert.equal(lines[0]!.event, 'agent.forbidden');
  assert.match(lines[0]!.msg, /403.*shared secrets probably differ.*uuid-1/);
  assert.equal(decideNovaStatus(nova, 500, 'uuid-1'), 'pass');
  assert.equal(lines[1]!.event, 'agent.nova_failed');
  const replaced = decideNovaStatus(nova, 401, 'uuid-1');
  assert.notEqual(replaced, 'pass');
  assert.equal(replaced !== 'pass' && replaced.status, 502);
  assert.equal(lines[2]!.event, 'agent.unexpected_status');
});

test('novaHeaders() is the four headers of §3.5.3 (plus a body type), whatever the guest sent', () => {
  const headers = novaHeaders(
    {
      'x-forwarded-for': '10.0.0.5',
      authorization: 'Bearer x',
      cookie: 'a=b',
      'x-instance-id': 'forged',
      'content-type': 'text/plain',
    },
    { uuid: 'uuid-1', projectId: 'project-1' },
    'secret',
  );
  assert.deepEqual(headers, [
    'X-Forwarded-For',
    '10.0.0.5',
    'X-Instance-ID',
    'uuid-1',
    'X-Tenant-ID',
    'project-1',
    'X-Instance-ID-Signature',
    signInstanceId('secret', 'uuid-1'),
    'Content-Type',
    'text/plain',
  ]);
});
