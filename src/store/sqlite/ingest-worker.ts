/**
 * The ingest worker thread: owns one SQLite connection used only for committing received
 * messages. Requests that queue up while a commit (and its fsync) runs are drained together and
 * committed as the next group.
 */
import { parentPort, workerData, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { DatabaseSync } from 'node:sqlite';
import type { IngestRequest } from '../ports.ts';
import { IngestCommitter, type CommitOutcome } from './ingest.ts';
import { openPragmas } from './pragmas.ts';

export interface WorkerRequest {
  id: number;
  req: IngestRequest;
}
export type WorkerReply = Array<{ id: number } & CommitOutcome>;

const { file, blobDir } = workerData as { file: string; blobDir: string };
const db = new DatabaseSync(file);
openPragmas(db);
const committer = new IngestCommitter(db, blobDir);
const port = parentPort as MessagePort;

port.on('message', (first: WorkerRequest) => {
  const batch = [first];
  for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) batch.push(m.message as WorkerRequest);
  let reply: WorkerReply;
  try {
    // Structured cloning turns Buffers into Uint8Arrays; node:sqlite binds both as BLOBs.
    reply = committer.commit(batch.map((b) => b.req)).map((o, i) => ({ id: batch[i]!.id, ...o }));
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    reply = batch.map((b) => ({ id: b.id, error }));
  }
  port.postMessage(reply);
});
