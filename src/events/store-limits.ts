/**
 * What the store accepts of one event document, which decoding checks before a record reaches a
 * batch: a record the store would refuse must become a dead letter, or it would fail its batch on
 * every redelivery and stall its partition.
 */

/**
 * Deepest nesting a record may have, counting the record object itself as level 1. The stored
 * event puts the extra fields under `extra`, one level lower, so a record of depth d is stored at
 * depth d + 1. MongoDB documents a limit of 100 levels; FerretDB 1.24 on SQLite (measured here)
 * refuses objects past 333 levels with "SQL logic error: malformed JSON". 64 keeps a margin of 35
 * levels under the stricter of the two and is far beyond what a device event carries.
 */
export const MAX_RECORD_DEPTH = 64;
