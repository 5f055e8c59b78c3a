/**
 * Structured logging (pino). One logger is created by the composition root and passed down;
 * modules never import a global logger. Secrets (AUTH data, passwords) are redacted by path.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/**
 * `buffered`: write through an asynchronous 4 KiB buffer (for the server's hot path); it is flushed
 * on shutdown, so only a crash can lose the last few lines.
 */
export function createLogger(level: LogLevel = 'info', destination?: NodeJS.WritableStream, buffered = false): Logger {
  const options = {
    level,
    base: { svc: 'mailwarden' },
    redact: { paths: ['password', '*.password', 'auth.data', 'saslResponse'], censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (destination) return pino(options, destination as pino.DestinationStream);
  return buffered ? pino(options, pino.destination({ dest: 1, sync: false, minLength: 4096 })) : pino(options);
}

/** A logger that drops everything: for tests and CLI commands that print their own output. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
