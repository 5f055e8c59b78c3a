/**
 * Store contract, part: the MTA-STS policy cache: put, get (case-insensitive domain), replace
 * when the policy id changes, list, delete, kept across a reopen.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EngineFactory } from './contract.ts';

export function mtaStsContract(engine: string, factory: EngineFactory): void {
  test(`[${engine}] MTA-STS policy cache: put, get, replace, list, delete, reopen`, async () => {
    const { store, reopen } = await factory.create();
    const c = store.mtaSts;
    assert.equal(await c.get('example.test'), null);
    const first = { domain: 'Example.Test', id: '20160831085700Z', policy: 'version: STSv1\r\nmode: enforce\r\nmx: mx.example.test\r\nmax_age: 86400\r\n', fetchedAt: 1000, expiresAt: 86_401_000 };
    await c.put(first);
    assert.deepEqual(await c.get('EXAMPLE.test'), { ...first, domain: 'example.test' }, 'stored lower case, found case-insensitively');
    await c.put({ ...first, domain: 'example.test', id: 'v2', policy: 'version: STSv1\nmode: testing\nmx: mx.example.test\nmax_age: 60\n', fetchedAt: 2000, expiresAt: 62_000 });
    assert.equal((await c.get('example.test'))?.id, 'v2', 'replaced when refetched');
    assert.equal((await c.get('example.test'))?.expiresAt, 62_000);
    await c.put({ ...first, domain: 'other.test' });
    assert.deepEqual((await c.list()).map((p) => [p.domain, p.id]), [['example.test', 'v2'], ['other.test', '20160831085700Z']]);
    await store.close();
    const again = await reopen();
    assert.equal((await again.mtaSts.get('example.test'))?.id, 'v2', 'durable');
    assert.equal(await again.mtaSts.delete('other.test'), true);
    assert.equal(await again.mtaSts.delete('other.test'), false);
    assert.deepEqual((await again.mtaSts.list()).map((p) => p.domain), ['example.test']);
    await again.close();
  });
}
