/** Prints each step of a long operation to stderr with the time since the first step. */
export function stepReporter(stream: NodeJS.WritableStream = process.stderr): (message: string) => void {
  const started = Date.now();
  return (message) => {
    const seconds = ((Date.now() - started) / 1000).toFixed(1).padStart(6);
    stream.write(`[${seconds}s] ${message}\n`);
  };
}
