import { setTimeout as sleep } from 'node:timers/promises';
import { createConnection } from 'node:net';
import { ConfigError } from '../errors/index.ts';

export interface HostPort {
  host: string;
  port: number;
}

/** Parses `host:port` (or `[v6]:port`). */
export function parseHostPort(address: string): HostPort {
  const match = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(address.trim());
  if (!match) throw new ConfigError(`expected host:port, got "${address}"`);
  return { host: match[1] as string, port: Number(match[2]) };
}

/** The first host:port of a MongoDB connection string (mongodb://[user@]host[:port][,...]/...). */
export function mongoHostPort(uri: string): HostPort {
  const authority = uri.replace(/^mongodb(\+srv)?:\/\//, '').split(/[/?]/)[0] ?? '';
  const first = (authority.split('@').pop() ?? '').split(',')[0] ?? '';
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(first);
  if (bracketed) return { host: bracketed[1] as string, port: Number(bracketed[2] ?? 27017) };
  const [host, port] = first.split(':');
  return { host: host || '127.0.0.1', port: Number(port ?? 27017) };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** True when something accepts TCP connections at host:port within the timeout. */
export function isPortOpen({ host, port }: HostPort, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (open: boolean): void => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Polls `check` until it returns true or the deadline passes; the interval grows from 100 ms so
 * that quick starts are seen quickly without hammering a slow one.
 */
export async function waitUntil(
  check: () => Promise<boolean>,
  timeoutMs: number,
  isAborted: () => boolean = () => false,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let delay = 100;
  while (Date.now() < deadline) {
    if (await check()) return true;
    if (isAborted()) return false;
    await sleep(Math.min(delay, Math.max(0, deadline - Date.now())));
    delay = Math.min(delay * 1.5, 1000);
  }
  return check();
}
