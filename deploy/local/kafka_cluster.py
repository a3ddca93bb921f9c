"""Health of a multi-broker local Kafka cluster, for ``deploy/local/stack.sh``.

``stack.sh`` runs it in cluster mode (``AUDITSTREAM_STACK_BROKERS=3``) with the project's
Python, because one metadata request through confluent-kafka answers in milliseconds
where each Kafka command-line tool starts a JVM (seconds on two cores)::

    python deploy/local/kafka_cluster.py wait --bootstrap 127.0.0.1:19192,... --brokers 1,2,3
    python deploy/local/kafka_cluster.py wait --bootstrap ... --brokers 1,2,3 --in-sync
    python deploy/local/kafka_cluster.py leaders --bootstrap ... --topic audit.events.raw

``wait`` polls until every named broker is registered (and, with ``--in-sync``, until no
partition of any topic, internal ones included, has a replica outside its ISR: what a
rolling restart waits for before it stops the next broker). Exit 0 when reached, 1 on
timeout with what was still missing. ``leaders`` prints ``partition leader`` per line.
Standalone: it needs only confluent-kafka, not the auditstream package.
"""

from __future__ import annotations

import argparse
import sys
import time

try:
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import AdminClient
except ImportError:  # pragma: no cover - depends on the environment
    print(
        "kafka_cluster: confluent-kafka is not installed for this interpreter; "
        "run `make install` first",
        file=sys.stderr,
    )
    sys.exit(2)

# One metadata round trip on loopback; a broker that is still starting may not answer.
_REQUEST_TIMEOUT_S = 5.0
_POLL_S = 0.5


def _admin(bootstrap: str) -> AdminClient:
    # Quiet: a stopped broker of the bootstrap list is expected while we wait.
    return AdminClient({"bootstrap.servers": bootstrap, "log_level": 0})


def _missing(admin: AdminClient, brokers: set[int], *, in_sync: bool) -> str | None:
    """Return what is not there yet, or None when the cluster is as asked."""
    try:
        metadata = admin.list_topics(timeout=_REQUEST_TIMEOUT_S)
    except KafkaException as exc:
        return f"no metadata ({exc.args[0]})"
    absent = sorted(brokers - set(metadata.brokers))
    if absent:
        return f"brokers not registered: {absent}"
    if in_sync:
        lagging = [
            f"{name}[{p.id}] isr={sorted(p.isrs)} replicas={sorted(p.replicas)}"
            for name, topic in metadata.topics.items()
            for p in topic.partitions.values()
            if p.leader < 0 or set(p.replicas) - set(p.isrs)
        ]
        if lagging:
            return f"{len(lagging)} partitions not fully in sync, e.g. {lagging[:3]}"
    return None


def wait(bootstrap: str, brokers: set[int], *, in_sync: bool, timeout_s: float) -> int:
    """Poll until the brokers are registered (and in sync); 0 when reached, 1 on timeout."""
    admin = _admin(bootstrap)
    deadline = time.monotonic() + timeout_s
    while True:
        missing = _missing(admin, brokers, in_sync=in_sync)
        if missing is None:
            return 0
        if time.monotonic() >= deadline:
            print(f"kafka_cluster: after {timeout_s:.0f}s: {missing}", file=sys.stderr)
            return 1
        time.sleep(_POLL_S)


def leaders(bootstrap: str, topic: str) -> int:
    """Print ``<partition> <leader broker id>`` per partition of a topic."""
    try:
        metadata = _admin(bootstrap).list_topics(topic=topic, timeout=_REQUEST_TIMEOUT_S)
    except KafkaException as exc:
        print(f"kafka_cluster: no metadata ({exc.args[0]})", file=sys.stderr)
        return 1
    found = metadata.topics.get(topic)
    if found is None or found.error is not None:
        print(f"kafka_cluster: topic {topic!r} not found", file=sys.stderr)
        return 1
    for partition in sorted(found.partitions.values(), key=lambda p: p.id):
        print(partition.id, partition.leader)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the subcommand."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    wait_cmd = commands.add_parser("wait", help="wait until brokers are registered")
    wait_cmd.add_argument("--bootstrap", required=True)
    wait_cmd.add_argument("--brokers", required=True, help="comma-separated node ids")
    wait_cmd.add_argument("--in-sync", action="store_true", help="also wait for full ISRs")
    wait_cmd.add_argument("--timeout", type=float, default=120.0)
    leaders_cmd = commands.add_parser("leaders", help="print each partition's leader")
    leaders_cmd.add_argument("--bootstrap", required=True)
    leaders_cmd.add_argument("--topic", required=True)
    args = parser.parse_args(argv)
    if args.command == "wait":
        ids = {int(n) for n in args.brokers.split(",") if n}
        return wait(args.bootstrap, ids, in_sync=args.in_sync, timeout_s=args.timeout)
    return leaders(args.bootstrap, args.topic)


if __name__ == "__main__":
    sys.exit(main())
