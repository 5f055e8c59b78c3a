/**
 * The port the queue runner delivers through (implemented by src/delivery/deliver.ts, or a fake in
 * tests): messages for one destination domain in, per-recipient outcomes out via `onResult`,
 * which the runner makes durable before the agent sends the next message.
 */
import type { Readable } from 'node:stream';
import type { RecipientResult } from '../store/ports.ts';

export interface OutboundMessage {
  queueId: number;
  mailFrom: string;
  recipients: string[];
  size: number;
  /** A fresh stream of the message bytes (called once per transaction). */
  open(): Readable;
}

export type ResultSink = (msg: OutboundMessage, results: RecipientResult[]) => Promise<void>;

export interface DeliveryAgent {
  deliver(domain: string, messages: OutboundMessage[], onResult: ResultSink): Promise<void>;
}
