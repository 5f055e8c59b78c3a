/**
 * The input loop of a line-protocol session (SMTP, POP3): the session buffers what arrives and
 * calls `fed()`; the pump runs the session's steps one at a time (never two concurrently), with
 * the socket's output corked while a batch of pipelined commands is answered (RFC 2920: one
 * write for the batch), and the socket paused while more than `highWater` bytes wait unhandled
 * and resumed once the session has drained them.
 */
import type { Socket } from 'node:net';

export interface PumpedSession {
  /** The session's socket now (STARTTLS replaces it). */
  socket(): Socket;
  /** Input may be handled now (not closed, not inside a TLS upgrade). */
  accepting(): boolean;
  /** The socket may be read again (the session is not closed). */
  readable(): boolean;
  /** Bytes buffered and not yet handled. */
  pending(): number;
  /** Handles one unit of input; false when more bytes are needed. */
  step(): Promise<boolean>;
  /** A step threw: answer with a local error and close. */
  failed(e: unknown): Promise<void> | void;
  /** After each batch, before output is released (e.g. the goodbye on server shutdown). */
  settled(): void;
}

export class InputPump {
  /** A batch is being handled (a shutdown then waits for the command to finish). */
  busy = false;
  private readonly s: PumpedSession;
  private readonly highWater: number;

  constructor(session: PumpedSession, highWater: number) {
    this.s = session;
    this.highWater = highWater;
  }

  /** New bytes were buffered: pause reading above the high-water mark, and handle them. */
  fed(): void {
    if (this.s.pending() > this.highWater) this.s.socket().pause();
    void this.run();
  }

  async run(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.s.socket().cork();
    try {
      while (this.s.accepting() && (await this.s.step()));
    } catch (e) {
      await this.s.failed(e);
    } finally {
      this.busy = false;
      this.s.settled();
      const socket = this.s.socket();
      if (!socket.destroyed) {
        socket.uncork();
        if (this.s.pending() <= this.highWater && this.s.readable()) socket.resume();
      }
    }
  }
}
