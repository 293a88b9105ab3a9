import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findIniEntry, parseIni } from '../../src/doctor/ini-parse.js';
import { interpolate, parseOsloBool, readOption } from '../../src/doctor/openstack-options.js';

test('parseIni() reads sections, "=" and ":" pairs, and skips # and ; comments', () => {
  const ini = parseIni('# top\n[DEFAULT]\na = 1\n; note\nb: two words\n[neutron]\nc=3\n');
  assert.deepEqual(
    ini.entries.map((e) => [e.section, e.key, e.value, e.line]),
    [
      ['DEFAULT', 'a', '1', 3],
      ['DEFAULT', 'b', 'two words', 5],
      ['neutron', 'c', '3', 7],
    ],
  );
  assert.deepEqual(ini.errors, []);
});

test('parseIni() keeps a # inside a value and strips matching quotes, as oslo.config does', () => {
  const ini = parseIni('[DEFAULT]\nsecret = ab#cd\nquoted = "x y"\nhalf = "x\n');
  assert.equal(findIniEntry(ini, 'DEFAULT', 'secret')?.value, 'ab#cd');
  assert.equal(findIniEntry(ini, 'DEFAULT', 'quoted')?.value, 'x y');
  assert.equal(findIniEntry(ini, 'DEFAULT', 'half')?.value, '"x');
});

test('parseIni() joins indented continuation lines and lets the last repeated key win', () => {
  const ini = parseIni('[DEFAULT]\nk = one\n  two\nk = three\n');
  assert.equal(findIniEntry(ini, 'DEFAULT', 'k')?.value, 'three');
  assert.equal(ini.entries[0]!.value, 'one\ntwo');
});

test('parseIni() reports lines outside a section or without a key', () => {
  const ini = parseIni('loose = 1\n[DEFAULT]\njust words\n');
  assert.deepEqual(
    ini.errors.map((e) => e.line),
    [1, 3],
  );
});

test('readOption() takes the current name over the old one, the old one over the default', () => {
  const both = parseIni('[DEFAULT]\nnova_metadata_ip = 10.0.0.1\nnova_metadata_host = 10.0.0.2\n');
  assert.equal(readOption(both, 'novaMetadataHost').value, '10.0.0.2');
  const old = parseIni('[DEFAULT]\nnova_metadata_ip = 10.0.0.1\n');
  const o = readOption(old, 'novaMetadataHost');
  assert.equal(o.value, '10.0.0.1');
  assert.equal(o.name?.key, 'nova_metadata_ip');
  assert.equal(readOption(parseIni(''), 'novaMetadataHost').value, '127.0.0.1');
});

test('readOption() reads [DEFAULT] only for [DEFAULT] options: no fallback from [neutron]', () => {
  const ini = parseIni('[DEFAULT]\nservice_metadata_proxy = True\n');
  assert.equal(readOption(ini, 'serviceMetadataProxy').value, 'False');
});

test('parseOsloBool() accepts oslo.config spellings and refuses the rest', () => {
  for (const t of ['true', 'True', 'YES', 'on', '1', 't', 'y']) assert.equal(parseOsloBool(t), true, t);
  for (const f of ['false', 'False', 'no', 'off', '0', 'f', 'n']) assert.equal(parseOsloBool(f), false, f);
  assert.equal(parseOsloBool('ture'), undefined);
});

test('interpolate() substitutes $name and ${name}', () => {
  assert.equal(interpolate('$state_path/x', { state_path: '/s' }), '/s/x');
  assert.equal(interpolate('${state_path}/x', { state_path: '/s' }), '/s/x');
  assert.equal(interpolate('$other/x', {}), '$other/x');
});
