"""The processor's one door to Faust's internals, written for faust-streaming 0.15.3.

Only this package reads or changes private state of faust-streaming, mode-streaming or
aiokafka (names with a leading underscore, and methods replaced on their objects);
``tests/unit/processor/test_faust_boundary.py`` fails when another processor module
does. Every other module uses Faust's public API and the functions below.

At start, :func:`check_faust_version` refuses any faust-streaming but the one pinned in
pyproject.toml (:class:`~auditstream.processor.errors.FaustVersionError`), and
:class:`BridgedApp` installs every patch once (:func:`install`; nothing is re-applied on
a rebalance, since Faust keeps the patched objects for the process's life). What each
patch works around upstream, and the test that pins it, is in its docstring:

- :func:`use_broker_highwaters`: recovery highwaters from the broker, not the client;
- :func:`commit_only_contiguous_acks`: raw offsets commit only over a run of acks;
- :func:`gate_commits`: a commit never splits a chunk being sent;
- :class:`RecoveryFinisher`: a recovery ends about a second after the changelog's end;
- :class:`ReplayFloor`: a kept changelog partition is read from where the last
  recovery stopped.

Read-outs: :func:`committed_offsets`, :func:`outside_fetch_set`, :func:`resume_fetching`,
:func:`stop_transaction_producers`, :func:`broker_connected`, :func:`worker_class`.
Why the processor needs all this: docs/processor-exactly-once.md.
"""

from __future__ import annotations

from auditstream.processor.faust_bridge._install import BridgedApp, Patches, install
from auditstream.processor.faust_bridge._patches import (
    commit_only_contiguous_acks,
    gate_commits,
    use_broker_highwaters,
)
from auditstream.processor.faust_bridge._recovery import (
    RECOVERY_CHECK_S,
    RecoveryFinisher,
    ReplayFloor,
)
from auditstream.processor.faust_bridge._state import (
    StopHook,
    broker_connected,
    committed_offsets,
    outside_fetch_set,
    resume_fetching,
    stop_transaction_producers,
    worker_class,
)
from auditstream.processor.faust_bridge._version import check_faust_version, pinned_faust_version

__all__ = [
    "RECOVERY_CHECK_S",
    "BridgedApp",
    "Patches",
    "RecoveryFinisher",
    "ReplayFloor",
    "StopHook",
    "broker_connected",
    "check_faust_version",
    "commit_only_contiguous_acks",
    "committed_offsets",
    "gate_commits",
    "install",
    "outside_fetch_set",
    "pinned_faust_version",
    "resume_fetching",
    "stop_transaction_producers",
    "use_broker_highwaters",
    "worker_class",
]
