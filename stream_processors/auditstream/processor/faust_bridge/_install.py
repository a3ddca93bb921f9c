"""Install the bridge's patches once, when the Faust app starts.

Every patched object (the app's consumer and its driver thread, the table manager's
``Recovery``) is created once per process and kept for the process's life: Faust does
not replace them on a rebalance, a revocation or an agent restart. So nothing here is
re-applied later; each patch also marks what it patched, so a second call is a no-op.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import faust

from auditstream.processor.faust_bridge._patches import (
    commit_only_contiguous_acks,
    gate_commits,
    use_broker_highwaters,
)
from auditstream.processor.faust_bridge._recovery import RecoveryFinisher, ReplayFloor


@dataclass(frozen=True, slots=True, kw_only=True)
class Patches:
    """What :func:`install` puts in place.

    Args:
        raw: The raw topic (commits only over contiguous acks).
        gate: The agent's commit gate (:func:`gate_commits`).
        after_commit: Run after every commit, under the gate.
        floor: The replay floor whose seek wrapper to install.
        finisher: The recovery finisher to start, or None (``fast_table_recovery`` off).
    """

    raw: str
    gate: asyncio.Lock
    after_commit: Callable[[], None]
    floor: ReplayFloor
    finisher: RecoveryFinisher | None


def install(app: Any, patches: Patches) -> None:
    """Install every patch on the app's objects (idempotent).

    Call once the app's consumer exists and before it joins the group: the
    :class:`BridgedApp` does it from its ``on_start``, which mode runs before it starts
    the app's children (the consumer, the table manager, the agents).

    Args:
        app: The Faust app.
        patches: What to install.
    """
    consumer = app.consumer
    gate_commits(consumer, patches.gate, patches.after_commit)
    use_broker_highwaters(consumer)
    commit_only_contiguous_acks(consumer, patches.raw)
    patches.floor.install()
    if patches.finisher is not None:
        patches.finisher.start()


class BridgedApp(faust.App):
    """A ``faust.App`` that installs the bridge's patches once, as it starts.

    ``App.on_start`` (``faust/app/base.py``) is a public hook of mode's ``Service``; mode
    calls it in ``Service._actually_start`` (``mode/services.py``) after the app's
    dependencies are created and before any of them starts, so the consumer exists and
    has not joined the group, no recovery has run and no agent has taken a message.
    Set :attr:`patches` before the worker starts.
    """

    patches: Patches | None = None

    async def on_start(self) -> None:
        """Start as Faust does, then install the patches."""
        await super().on_start()
        if self.patches is not None:
            install(self, self.patches)
