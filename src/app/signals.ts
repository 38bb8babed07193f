/**
 * How a long-running command learns it should stop: the first SIGINT (Ctrl-C) or SIGTERM (systemd,
 * Kubernetes, `kill`). The handlers are removed once one arrives, so a second Ctrl-C while stopping
 * gets Node's default (exit now).
 */
export function untilStopSignal(): { signalled: Promise<NodeJS.Signals>; received: () => boolean } {
  const { promise, resolve } = Promise.withResolvers<NodeJS.Signals>();
  let received = false;
  const on = (signal: NodeJS.Signals): void => {
    received = true;
    process.off('SIGINT', on);
    process.off('SIGTERM', on);
    resolve(signal);
  };
  process.once('SIGINT', on);
  process.once('SIGTERM', on);
  return { signalled: promise, received: () => received };
}
