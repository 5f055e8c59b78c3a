// messageKeysOf (train.ts): the keys of a message read as a stream are messageKey() and
// legacyMessageKey() of its bytes, however the stream is cut.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { legacyMessageKey, messageKey, messageKeysOf } from './train.ts';

async function* chunks(b: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}

test('messageKeysOf: the same keys as messageKey/legacyMessageKey, for every chunk size', async () => {
  const messages = [
    'Subject: plain\r\n\r\nbody\r\n',
    'X-Mailwarden-Spam: spam; score=0.99\r\n  clues="x"\r\nSubject: ours\r\n\r\nbody\r\n\r\nmore\r\n', // our field, folded
    'Subject: a\r\nX-Mailwarden-Phishing: lookalike\r\n\r\nX-Mailwarden-Spam: in the body stays\r\n',
    'From sender@example.org Mon Jan  1 00:00:00 2024\nX-Mailwarden-Spam: ham\nSubject: mbox\n\nbody\n', // mbox From line, LF only
    'From x\n\nbody', // the From line ends right before an empty line
    'Subject: no body, no end of header\r\nX-Mailwarden-Spam: ham',
    'Subject: mentions x-mailwarden-spam but has none\n\nbody',
    'From ', // five bytes
    'Hi',
    '',
  ];
  for (const text of messages) {
    const b = Buffer.from(text, 'latin1');
    const want = { key: messageKey(b), legacy: legacyMessageKey(b) };
    for (const size of [1, 2, 3, 5, 7, 16, 1 << 16]) assert.deepEqual(await messageKeysOf(chunks(b, size)), want, `${JSON.stringify(text)} in chunks of ${size}`);
  }
});

test('messageKeysOf: a long header section in small chunks (1.5 MB, with and without a blank line, 64-byte chunks)', async () => {
  // The held header is concatenated and searched only once a blank line may have been seen; doing
  // it on every chunk was quadratic (measured, not tested here: 27 s for this case, now 0.1 s).
  const lines = Array.from({ length: 20000 }, (_, i) => `X-Long-${i}: ${'a'.repeat(60)}\r\n`);
  for (const b of [Buffer.from(lines.join(''), 'latin1'), Buffer.from(`${lines.join('')}X-Mailwarden-Spam: ham\r\n\r\nbody\r\n`, 'latin1')]) {
    const want = { key: messageKey(b), legacy: legacyMessageKey(b) };
    assert.deepEqual(await messageKeysOf(chunks(b, 64)), want);
  }
});
