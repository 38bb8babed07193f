import { InvalidArgumentError } from 'commander';

/** A commander argument parser for integers within [min, max], with a one-line reason on failure. */
export function intOption(min: number, max: number = Number.MAX_SAFE_INTEGER): (raw: string) => number {
  return (raw: string) => {
    if (!/^-?\d+$/.test(raw.trim())) throw new InvalidArgumentError(`expected an integer, got "${raw}"`);
    const value = Number(raw);
    if (value < min || value > max) throw new InvalidArgumentError(`expected ${min}..${max}, got ${value}`);
    return value;
  };
}

/** A commander argument parser for finite numbers within [min, max]. */
export function numberOption(min: number, max: number = Number.MAX_VALUE): (raw: string) => number {
  return (raw: string) => {
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value))
      throw new InvalidArgumentError(`expected a number, got "${raw}"`);
    if (value < min || value > max) throw new InvalidArgumentError(`expected ${min}..${max}, got ${value}`);
    return value;
  };
}

/** A commander parser for a comma-separated list, each item read by `item` (one line on failure). */
export function listOption<T>(item: (raw: string) => T): (raw: string) => T[] {
  return (raw: string) => {
    const parts = raw.split(',').map((p) => p.trim());
    if (parts.some((p) => p === ''))
      throw new InvalidArgumentError(`expected a comma-separated list, got "${raw}"`);
    return parts.map(item);
  };
}
