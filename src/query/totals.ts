/** All-time totals, maintained by the writers: one document read, whatever the store holds. */
import type { Db } from 'mongodb';
import { QueryReader } from './reader.ts';

export interface Totals {
  /** Events stored. */
  events: number;
  /** Distinct canonical addresses among them. */
  devices: number;
  /** Records stored as dead letters. */
  deadLetters: number;
}

export async function totals(db: Db): Promise<Totals> {
  const doc = await (await QueryReader.open(db)).totals();
  return { events: doc?.events ?? 0, devices: doc?.devices ?? 0, deadLetters: doc?.deadLetters ?? 0 };
}
