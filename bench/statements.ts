/**
 * Statements a benchmark child sends to the store, counted through the MongoDB driver's command
 * monitoring (`monitorCommands: true`, set only by the benchmark): each inserted document, each
 * update or replace statement, each delete statement, each find, findAndModify, aggregate, count or
 * distinct is one. Other commands (hello, buildInfo, getMore, listCollections...) are kept by name
 * for the record but not counted.
 */
import type { Document, MongoClient } from 'mongodb';

/** By command name: statements (for counted commands) or commands (for the others). */
export type StatementCounts = Record<string, number>;

/** Commands whose statements count, and how many statements one such command holds. */
const COUNTED: Record<string, (command: Document) => number> = {
  insert: (c) => (Array.isArray(c.documents) ? c.documents.length : 0),
  update: (c) => (Array.isArray(c.updates) ? c.updates.length : 0),
  delete: (c) => (Array.isArray(c.deletes) ? c.deletes.length : 0),
  find: () => 1,
  findAndModify: () => 1,
  aggregate: () => 1,
  count: () => 1,
  distinct: () => 1,
};

/** The statements of one command as it was sent (0 for commands that are not counted). */
export function statementsOf(commandName: string, command: Document): number {
  const count = COUNTED[commandName];
  return count === undefined ? 0 : count(command);
}

/** Adds one command to `counts`: its statements, or 1 under its name when it is not counted. */
export function addCommand(counts: StatementCounts, commandName: string, command: Document): void {
  const n = commandName in COUNTED ? statementsOf(commandName, command) : 1;
  counts[commandName] = (counts[commandName] ?? 0) + n;
}

/** Counts every command the client starts into `counts` (the client needs `monitorCommands: true`). */
export function countStatements(client: MongoClient, counts: StatementCounts): void {
  client.on('commandStarted', (event) => addCommand(counts, event.commandName, event.command));
}

export function mergeCounts(all: readonly StatementCounts[]): StatementCounts {
  const total: StatementCounts = {};
  for (const counts of all)
    for (const [name, n] of Object.entries(counts)) total[name] = (total[name] ?? 0) + n;
  return total;
}

/** The counted statements alone. */
export function totalStatements(counts: StatementCounts): number {
  return Object.entries(counts).reduce((sum, [name, n]) => sum + (name in COUNTED ? n : 0), 0);
}

/** "insert 200000, update 6400, find 5200, findAndModify 12": counted ones, most first. */
export function describeStatements(counts: StatementCounts): string {
  return Object.entries(counts)
    .filter(([name, n]) => name in COUNTED && n > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([name, n]) => `${name} ${n}`)
    .join(', ');
}
