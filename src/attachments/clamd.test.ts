// The clamd INSTREAM client (clamd.ts) against a fake clamd on 127.0.0.1 and on a unix socket.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHUNK, clamdScan, parseClamdReply, parseClamdTarget } from './clamd.ts';
import { EICAR, startFakeClamd } from './fake-clamd.ts';

async function* chunks(...parts: Array<string | Buffer>) {
  for (const p of parts) yield Buffer.isBuffer(p) ? p : Buffer.from(p);
}

test('targets and replies', () => {
  assert.deepEqual(parseClamdTarget('127.0.0.1:3310'), { kind: 'tcp', host: '127.0.0.1', port: 3310 });
  assert.deepEqual(parseClamdTarget('[::1]:3310'), { kind: 'tcp', host: '::1', port: 3310 });
  assert.deepEqual(parseClamdTarget('/run/clamav/clamd.ctl'), { kind: 'unix', path: '/run/clamav/clamd.ctl' });
  assert.equal(parseClamdTarget(''), null);
  assert.equal(parseClamdTarget('host:99999'), null);
  assert.deepEqual(parseClamdReply('stream: OK\0'), { result: 'clean' });
  assert.deepEqual(parseClamdReply('stream: Win.Test.EICAR_HDB-1 FOUND\0'), { result: 'virus', signature: 'Win.Test.EICAR_HDB-1' });
  assert.deepEqual(parseClamdReply('INSTREAM size limit exceeded. ERROR\0'), { result: 'error', error: 'INSTREAM size limit exceeded. ERROR' });
});

test('INSTREAM over TCP: clean, virus (split across chunks larger than one INSTREAM chunk)', async (t) => {
  const c = await startFakeClamd('scan');
  t.after(() => c.close());
  const target = parseClamdTarget(c.address)!;
  assert.deepEqual(await clamdScan(target, chunks('hello ', 'world'), 2000), { result: 'clean' });
  const big = Buffer.alloc(CHUNK * 2 + 10, 0x61);
  assert.deepEqual(await clamdScan(target, chunks(big, EICAR.slice(0, 20), EICAR.slice(20)), 2000), { result: 'virus', signature: 'Eicar-Test-Signature' });
  assert.deepEqual(c.scans, [11, big.length + EICAR.length]);
});

test('INSTREAM over a unix socket', async (t) => {
  const path = join(mkdtempSync(join(tmpdir(), 'mw-clamd-')), 'clamd.sock');
  const c = await startFakeClamd('scan', { path });
  t.after(() => c.close());
  assert.deepEqual(await clamdScan(parseClamdTarget(path)!, chunks(EICAR), 2000), { result: 'virus', signature: 'Eicar-Test-Signature' });
});

test('errors: size limit, closed connection, no answer, nobody listening', async (t) => {
  const limit = await startFakeClamd('limit', { limit: 100 });
  const closed = await startFakeClamd('close');
  const hang = await startFakeClamd('hang');
  t.after(async () => {
    await limit.close();
    await closed.close();
    await hang.close();
  });
  const r1 = await clamdScan(parseClamdTarget(limit.address)!, chunks(Buffer.alloc(1000), Buffer.alloc(100_000)), 2000);
  assert.deepEqual(r1, { result: 'error', error: 'INSTREAM size limit exceeded. ERROR' });
  assert.equal((await clamdScan(parseClamdTarget(closed.address)!, chunks('x'), 2000)).result, 'error');
  const started = Date.now();
  const r3 = await clamdScan(parseClamdTarget(hang.address)!, chunks('x'), 300);
  assert.equal(r3.result, 'error');
  assert.ok(Date.now() - started < 2000);
  const port = (closed.server.address() as { port: number }).port;
  await closed.close();
  assert.equal((await clamdScan({ kind: 'tcp', host: '127.0.0.1', port }, chunks('x'), 2000)).result, 'error');
});
