"""The original brief's design, as a benchmark peer of ipstream (`ipstream bench pipeline`).

The brief described the service as:

    N consumer threads, one KafkaConsumer each, in the same consumer group and subscribed to the
    topic (Kafka assigns the partitions), append the decoded JSON messages to one shared list;
    every 10 seconds the list is saved with insert_many into a MongoDB collection and cleared.

That is the whole design, written here with kafka-python and pymongo: no offsets management beyond
kafka-python's defaults (offsets auto-committed every 5 s, whether or not the messages behind them
were saved yet), no _id of its own (the driver adds an ObjectId), no read model. One setting
differs from the defaults: auto_offset_reset="earliest", without which a new group starts at the
end of the topic and never reads the backlog the benchmark measures.

What is not the design but the benchmark's harness: the lock around the list (the list is taken
and replaced under it, so a message appended during an insert is kept for the next one), the
stop flag, and the JSON lines on stdout:

    {"type": "assigned", ...}   when the first consumer has its first partitions (the clock starts)
    {"type": "saved", ...}      after each insert_many
    {"type": "done", ...}       when the expected number of documents has been inserted (exit 0)
    {"type": "failed", ...}     when a thread failed (exit 1)

Statements sent to the store are the documents inserted (one insert statement each, as ipstream's
bench counts them through command monitoring): "inserted" in the lines above.

Usage: brief.py --topic T --group G --brokers host:port[,...] --mongo-uri URI --db DB
                --collection C --threads N --expect COUNT
"""

import argparse
import json
import sys
import threading
import time

from kafka import KafkaConsumer
from kafka.consumer.subscription_state import ConsumerRebalanceListener
from pymongo import MongoClient

SAVE_EVERY_S = 10

printed = threading.Lock()


def emit(line):
    with printed:
        sys.stdout.write(json.dumps(line) + "\n")
        sys.stdout.flush()


class FirstAssignment(ConsumerRebalanceListener):
    """Prints one "assigned" line, for the first consumer that is given partitions."""

    reported = False
    lock = threading.Lock()

    def __init__(self, thread):
        self.thread = thread

    def on_partitions_revoked(self, revoked):
        pass

    def on_partitions_assigned(self, assigned):
        if not assigned:
            return
        with FirstAssignment.lock:
            if FirstAssignment.reported:
                return
            FirstAssignment.reported = True
        emit(
            {
                "type": "assigned",
                "thread": self.thread,
                "partitions": sorted(tp.partition for tp in assigned),
            }
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--topic", required=True)
    parser.add_argument("--group", required=True)
    parser.add_argument("--brokers", required=True, help="comma-separated host:port")
    parser.add_argument("--mongo-uri", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--collection", required=True)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--expect", type=int, required=True, help="documents to insert before exiting")
    args = parser.parse_args()

    messages = []  # the shared list
    lock = threading.Lock()
    stop = threading.Event()
    failures = []

    def consume(thread):
        try:
            consumer = KafkaConsumer(
                group_id=args.group,
                bootstrap_servers=args.brokers.split(","),
                auto_offset_reset="earliest",
            )
            consumer.subscribe([args.topic], listener=FirstAssignment(thread))
            try:
                while not stop.is_set():
                    polled = consumer.poll(timeout_ms=500)
                    decoded = [json.loads(m.value) for records in polled.values() for m in records]
                    if decoded:
                        with lock:
                            messages.extend(decoded)
            finally:
                consumer.close()
        except Exception as error:  # a thread that dies must not leave the peer waiting forever
            failures.append(f"consumer {thread}: {error!r}")
            stop.set()

    threads = [threading.Thread(target=consume, args=(i,), daemon=True) for i in range(args.threads)]
    for t in threads:
        t.start()

    client = MongoClient(args.mongo_uri)
    collection = client[args.db][args.collection]
    inserted = 0
    inserts = 0
    try:
        while not stop.is_set():
            stop.wait(SAVE_EVERY_S)
            with lock:
                batch = messages[:]
                messages.clear()
            if not batch:
                continue
            started = time.monotonic()
            result = collection.insert_many(batch)
            inserted += len(result.inserted_ids)
            inserts += 1
            emit(
                {
                    "type": "saved",
                    "docs": len(batch),
                    "inserted": inserted,
                    "seconds": round(time.monotonic() - started, 3),
                }
            )
            if inserted >= args.expect:
                emit({"type": "done", "inserted": inserted, "inserts": inserts})
                stop.set()
    except Exception as error:
        failures.append(f"insert_many: {error!r}")
        stop.set()
    finally:
        for t in threads:
            t.join(timeout=30)
        client.close()
    if failures:
        emit({"type": "failed", "error": "; ".join(failures)})
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
