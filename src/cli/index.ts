/**
 * The `ipstream` command (its program is main.ts, which bin/ipstream.js runs): the option parsers
 * the benchmarks' commands share.
 *
 * What other folders may import from src/cli/; its other files are internal (eslint.config.js).
 */
export { intOption, listOption, numberOption } from './options.ts';
