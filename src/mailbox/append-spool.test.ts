// The APPEND spool: memory up to the limit, then an fsync'd file; discard leaves nothing behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppendSpool } from './append-spool.ts';

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'mailwarden-spool-'));
}

test('below the memory limit the message stays in memory and comes back as a buffer', async () => {
  const dir = scratch();
  const s = new AppendSpool({ dir, memoryLimit: 100 });
  await s.write(Buffer.from('Subject: x\r\n'));
  await s.write(Buffer.from('\r\nbody\r\n'));
  assert.equal(s.onDisk, false);
  assert.deepEqual(readdirSync(dir), []);
  const blob = await s.finish();
  assert.deepEqual(blob, { kind: 'buffer', data: Buffer.from('Subject: x\r\n\r\nbody\r\n') });
  rmSync(dir, { recursive: true });
});

test('past the limit the octets go to a file as they arrive; finish gives the complete file, discard after a commit is harmless', async () => {
  const dir = scratch();
  const s = new AppendSpool({ dir, memoryLimit: 10 });
  await s.write(Buffer.from('0123456789'));
  assert.deepEqual(readdirSync(dir), []);
  await s.write(Buffer.from('abcdef'));
  assert.equal(s.onDisk, true);
  const [part] = readdirSync(dir);
  assert.match(part!, /^append-.*\.part$/);
  assert.equal(readFileSync(join(dir, part!)).toString(), '0123456789abcdef', 'memory flushed to the file, then the new chunk');
  await s.write(Buffer.from('XYZ'));
  const blob = await s.finish();
  assert.ok(blob.kind === 'file');
  assert.equal(blob.size, 19);
  assert.match(blob.path, /\.eml$/);
  assert.equal(readFileSync(blob.path).toString(), '0123456789abcdefXYZ');
  // the store moves the file away when it commits; discard then finds nothing to remove
  rmSync(blob.path);
  await s.discard();
  assert.deepEqual(readdirSync(dir), []);
  rmSync(dir, { recursive: true });
});

test('discard removes a partial file, and a finished one the store did not take', async () => {
  const dir = scratch();
  const a = new AppendSpool({ dir, memoryLimit: 4 });
  await a.write(Buffer.from('more than four'));
  assert.equal(readdirSync(dir).length, 1);
  await a.discard();
  assert.deepEqual(readdirSync(dir), []);
  const b = new AppendSpool({ dir, memoryLimit: 4 });
  await b.write(Buffer.from('more than four'));
  await b.finish();
  await b.discard(); // e.g. the commit failed
  assert.deepEqual(readdirSync(dir), []);
  rmSync(dir, { recursive: true });
});

test('a spool that cannot write fails the APPEND at finish, not the connection', async () => {
  const dir = join(scratch(), 'missing');
  const s = new AppendSpool({ dir, memoryLimit: 1 });
  await s.write(Buffer.from('abc')); // no such directory: recorded, not thrown
  await s.write(Buffer.from('def'));
  await assert.rejects(s.finish(), /ENOENT/);
});
