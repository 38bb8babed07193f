import { isatty } from 'node:tty';
import { pino, type DestinationStream, type Logger } from 'pino';
import { prettyFactory } from 'pino-pretty';

export type { Logger };

export type LogFormat = 'pretty' | 'json';

/** A person reads a terminal; a file, a pipe or a log collector gets one JSON object per line. */
export function logFormatFor(stderrIsTTY: boolean | undefined): LogFormat {
  return stderrIsTTY === true ? 'pretty' : 'json';
}

export interface LoggerOptions {
  /** Default: pretty when stderr is a terminal (see logFormatFor). */
  format?: LogFormat;
  /** Default: stderr. */
  destination?: DestinationStream;
  /** Pretty only; default: when the terminal supports colour (NO_COLOR and FORCE_COLOR apply). */
  colorize?: boolean;
}

/**
 * Time of day, level, component and message on one line. Pid and host add nothing on a terminal,
 * and a request's log message already says what its req/res fields hold.
 */
function prettyDestination(out: DestinationStream, colorize: boolean | undefined): DestinationStream {
  const prettify = prettyFactory({
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,reqId,req,res,responseTime',
    ...(colorize !== undefined && { colorize }),
  });
  // Formatting in the calling thread keeps lines in order and loses none when the process exits.
  return { write: (line: string) => out.write(prettify(line)) };
}

/** Logs to stderr (stdout is for command output); one logger per component. */
export function createLogger(level: string, name: string, options: LoggerOptions = {}): Logger {
  const format = options.format ?? logFormatFor(isatty(2));
  const options_ = { level, name, base: { pid: process.pid } };
  if (format === 'json') {
    return pino(options_, options.destination ?? pino.destination({ fd: 2, sync: false }));
  }
  const out = options.destination ?? pino.destination({ fd: 2, sync: true });
  return pino(options_, prettyDestination(out, options.colorize));
}
