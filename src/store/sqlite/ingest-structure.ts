/**
 * The MIME structure of a message being committed (ENVELOPE, BODYSTRUCTURE and part offsets for
 * IMAP, see mail/mime/structure.ts), computed once in the ingest worker from the bytes it already
 * has, so no FETCH ever re-parses a message. Never fails an ingest: a structure that cannot be
 * computed is left null and computed lazily on first use (mailbox/structure.ts).
 */
import { openSync, readSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { MimeWalker } from '../../mail/mime/walker.ts';
import type { IngestRequest } from '../ports.ts';
import type { MessageStructure } from '../../mail/mime/structure.ts';
import { deriveFields, type DerivedFields } from '../derived.ts';

const CHUNK = 256 * 1024;

/** JSON of the message's structure and its derived fields; `name` is the blob file's name under blobDir for file blobs. */
export function blobStructure(req: IngestRequest, blobDir: string, name: string | null): { json: string; derived: DerivedFields | null } | null {
  try {
    const w = new MimeWalker();
    if (req.blob.kind === 'buffer') {
      w.write(req.blob.data);
    } else if (name !== null) {
      const fd = openSync(join(blobDir, name), 'r');
      try {
        const buf = Buffer.allocUnsafe(CHUNK);
        for (let n = readSync(fd, buf, 0, CHUNK, null); n > 0; n = readSync(fd, buf, 0, CHUNK, null)) w.write(buf.subarray(0, n));
      } finally {
        closeSync(fd);
      }
    } else {
      return null;
    }
    const st: MessageStructure = w.end();
    let derived: DerivedFields | null = null;
    try {
      derived = deriveFields(st);
    } catch {
      derived = null; // derived lazily on first use
    }
    return { json: JSON.stringify(st), derived };
  } catch {
    return null;
  }
}
