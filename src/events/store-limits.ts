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

/** The largest document MongoDB stores (its `maxBsonObjectSize`; FerretDB reports the same). */
export const STORE_MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;

/**
 * BSON bytes an event document holds besides its extra fields, at most: its own fields take 706
 * with the longest topic name Kafka allows (tested against the store's toEventDoc).
 */
export const EVENT_FIELDS_BSON_BYTES = 1024;

/**
 * The largest MAX_RECORD_BYTES allowed. Text takes about its JSON size in BSON, so a record of text
 * fields this large still fits one document; what grows in BSON (numbers, small containers, many
 * short fields) is caught per record by its computed size.
 */
export const MAX_RECORD_BYTES_LIMIT = STORE_MAX_DOCUMENT_BYTES - EVENT_FIELDS_BSON_BYTES;

/**
 * The most a dead letter keeps of what it quotes, so that every dead letter fits a document whatever
 * the record held (a key of megabytes, a device_ip that is most of a 16 MiB value): the key, the
 * message, and each field a message quotes. The value keeps at most deadLetterValueChars.
 */
export const DEAD_LETTER_KEY_CHARS = 1024;
export const DEAD_LETTER_MESSAGE_CHARS = 1000;
export const QUOTED_FIELD_CHARS = 120;
