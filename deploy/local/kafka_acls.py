"""The ACLs of each Auditstream principal on a secured broker (least privilege per role).

Used by ``stack.sh --secured up`` for the stack's topics and the workers' default groups,
and by the secured-broker tests for their own topic names. Principals are the SCRAM
users (or a client certificate's CN) of the same names:

- ``sdk`` may only write the raw topic (raw events hold personal data: it cannot read
  them back).
- ``processor`` reads raw in its group (the Faust app id) and writes redacted and the DLQ
  in transactions (ids prefixed by the app id); it creates and uses its changelog topics
  (names prefixed by the app id).
- ``sink`` reads redacted in its group and writes the DLQ.
- ``auditor`` (``audit status``) sees the topics and both groups' offsets, and reads only
  the DLQ.

Usage: ``kafka_acls.py --bootstrap HOST:PORT --cafile CA.pem`` with the admin's password
in ``AUDITSTREAM_STACK_ADMIN_PASSWORD``; topic and group names default to the workers'.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass

from confluent_kafka.admin import (
    AclBinding,
    AclOperation,
    AclPermissionType,
    AdminClient,
    ResourcePatternType,
    ResourceType,
)

TIMEOUT_S = 60
TOPIC, GROUP, TXN = ResourceType.TOPIC, ResourceType.GROUP, ResourceType.TRANSACTIONAL_ID
READ, WRITE, DESCRIBE = AclOperation.READ, AclOperation.WRITE, AclOperation.DESCRIBE


@dataclass(frozen=True)
class Names:
    """The topic and group names the ACLs name (the workers' defaults)."""

    raw: str = "audit.events.raw"
    redacted: str = "audit.events.redacted"
    dlq: str = "audit.events.dlq"
    processor_app_id: str = "auditstream-processor"
    sink_group: str = "auditstream-sink"


def _allow(
    principal: str,
    resource: ResourceType,
    name: str,
    *operations: AclOperation,
    prefixed: bool = False,
) -> list[AclBinding]:
    pattern = ResourcePatternType.PREFIXED if prefixed else ResourcePatternType.LITERAL
    return [
        AclBinding(resource, name, pattern, f"User:{principal}", "*", op, AclPermissionType.ALLOW)
        for op in operations
    ]


def role_acls(names: Names) -> list[AclBinding]:
    """Every ALLOW binding of the four principals; anything not listed is denied."""
    app = names.processor_app_id
    return [
        *_allow("sdk", TOPIC, names.raw, WRITE, DESCRIBE),
        *_allow("processor", TOPIC, names.raw, READ, DESCRIBE),
        *_allow("processor", TOPIC, names.redacted, WRITE, DESCRIBE),
        *_allow("processor", TOPIC, names.dlq, WRITE, DESCRIBE),
        # The changelog ("<app id>-<table>-changelog"), which the processor creates itself.
        *_allow(
            "processor",
            TOPIC,
            f"{app}-",
            AclOperation.CREATE,
            READ,
            WRITE,
            DESCRIBE,
            AclOperation.DESCRIBE_CONFIGS,
            prefixed=True,
        ),
        *_allow("processor", GROUP, app, READ, DESCRIBE),
        *_allow("processor", TXN, app, WRITE, DESCRIBE, prefixed=True),
        *_allow("sink", TOPIC, names.redacted, READ, DESCRIBE),
        *_allow("sink", TOPIC, names.dlq, WRITE, DESCRIBE),
        *_allow("sink", GROUP, names.sink_group, READ, DESCRIBE),
        *_allow("auditor", TOPIC, names.raw, DESCRIBE),
        *_allow("auditor", TOPIC, names.redacted, DESCRIBE),
        *_allow("auditor", TOPIC, names.dlq, READ, DESCRIBE),
        *_allow("auditor", GROUP, app, DESCRIBE),
        *_allow("auditor", GROUP, names.sink_group, DESCRIBE),
    ]


def create_acls(admin: AdminClient, bindings: list[AclBinding]) -> None:
    """Create the bindings (creating an existing one is a no-op); raise on the first error."""
    for future in admin.create_acls(bindings).values():
        future.result(timeout=TIMEOUT_S)


def main() -> int:
    """Create the per-principal ACLs as the admin user; 0 on success, 1 on a Kafka error."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--cafile", required=True, help="the CA that signed the broker's cert")
    defaults = Names()
    for field in ("raw", "redacted", "dlq", "processor_app_id", "sink_group"):
        parser.add_argument(f"--{field.replace('_', '-')}", default=getattr(defaults, field))
    args = parser.parse_args()
    password = os.environ.get("AUDITSTREAM_STACK_ADMIN_PASSWORD")
    if not password:
        print("kafka_acls: AUDITSTREAM_STACK_ADMIN_PASSWORD is not set", file=sys.stderr)
        return 2
    names = Names(args.raw, args.redacted, args.dlq, args.processor_app_id, args.sink_group)
    admin = AdminClient(
        {
            "bootstrap.servers": args.bootstrap,
            "security.protocol": "SASL_SSL",
            "sasl.mechanism": "SCRAM-SHA-512",
            "sasl.username": "admin",
            "sasl.password": password,
            "ssl.ca.location": args.cafile,
        }
    )
    bindings = role_acls(names)
    try:
        create_acls(admin, bindings)
    except Exception as error:  # noqa: BLE001 - any Kafka failure is reported the same way
        print(f"kafka_acls: creating the ACLs failed: {error}", file=sys.stderr)
        return 1
    print(f"[stack] kafka: {len(bindings)} ACLs for sdk, processor, sink, auditor", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
