import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured logs to stderr (stdout is for command output); one logger per component. */
export function createLogger(level: string, name: string): Logger {
  return pino({ level, name, base: { pid: process.pid } }, pino.destination({ fd: 2, sync: false }));
}
