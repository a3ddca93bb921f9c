"""The LangChain handler's run table: which run is which span, whose, and since when.

:class:`RunTable` keeps one :class:`Run` per LangChain run between its start and end
callbacks. A run gets its span and its event id when it starts (so children can name
the event before it is emitted), its actor from the run's metadata or its parent, and it
is the SDK's current span (:func:`auditstream.producer.tracing.set_trace`) until it
ends. It emits nothing and never imports ``langchain_core``;
:mod:`auditstream.producer.langchain` turns finished runs into events.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from auditstream.producer import ids, tracing
from auditstream.producer.errors import ConfigError
from auditstream.producer.tracing import TraceContext, current_trace

DEFAULT_METADATA_KEYS: Mapping[str, str] = {
    "tenant_id": "tenant_id",
    "user_id": "user_id",
    "session_id": "session_id",
}
"""Actor field to the run-metadata key it is read from."""

# Trace ids of finished top-level runs, for trace_id() after the run: enough for a
# server's recent requests, bounded so a long-lived handler does not grow.
FINISHED_TRACES_KEPT = 4096


@dataclass(slots=True)
class Run:
    """One LangChain run between its start and end callbacks.

    Attributes:
        kind: ``chain``, ``llm``, ``tool`` or ``retriever``.
        name: The runnable's, model's, tool's or retriever's name.
        context: The run's own span: what code inside the run sees as current.
        parent_span_id: The span the run started in, or None at a trace root.
        parent_event_id: That span's event id, when it is one of this SDK's.
        actor: Tenant, user and session ids of the run's events.
        previous: The SDK's current span before the run started (restored at its end).
        top_level: Whether the run has no parent run.
        timestamp_us: When it started, microseconds since 1970.
        started_ns: ``perf_counter_ns`` at its start, for the latency.
        extra: Fields of the run's event collected on the way (prompt, model, input).
        attributes: The event's attributes.
        first_token_ns: ``perf_counter_ns`` of the first streamed token, if streamed.
    """

    kind: str
    name: str
    context: TraceContext
    parent_span_id: str | None
    parent_event_id: str | None
    actor: Mapping[str, str | None]
    previous: TraceContext | None
    top_level: bool
    timestamp_us: int
    started_ns: int
    extra: dict[str, Any] = field(default_factory=dict)
    attributes: dict[str, str] = field(default_factory=dict)
    first_token_ns: int | None = None

    @property
    def latency_ms(self) -> float:
        """Milliseconds since the run started."""
        return (time.perf_counter_ns() - self.started_ns) / 1e6


class RunTable:
    """The runs a handler has seen start and not yet end.

    Args:
        defaults: Tenant, user and session ids when neither the metadata nor a parent
            run names them.
        metadata_keys: Actor field to the run-metadata key holding it.

    Raises:
        ConfigError: ``metadata_keys`` names a field other than the three actor ids.
    """

    __slots__ = ("_defaults", "_finished", "_lock", "_metadata_keys", "_runs")

    def __init__(
        self, defaults: Mapping[str, str | None], metadata_keys: Mapping[str, str]
    ) -> None:
        unknown = set(metadata_keys) - set(DEFAULT_METADATA_KEYS)
        if unknown:
            raise ConfigError(
                "metadata_keys",
                f"may map only {', '.join(sorted(DEFAULT_METADATA_KEYS))}; "
                f"found {', '.join(sorted(unknown))}",
            )
        self._defaults = {name: defaults.get(name) for name in DEFAULT_METADATA_KEYS}
        self._metadata_keys = dict(metadata_keys)
        # One dict operation at a time on _runs needs no lock (each is atomic under the
        # GIL), and each run id is written by its own start and popped by its own end.
        self._runs: dict[UUID, Run] = {}
        self._finished: OrderedDict[UUID, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, run_id: UUID) -> Run | None:
        """Return the run if it has started and not ended."""
        return self._runs.get(run_id)

    def trace_id(self, run_id: UUID) -> str | None:
        """Return the trace id of a running run or of a recently finished top-level run."""
        run = self._runs.get(run_id)
        if run is not None:
            return run.context.trace_id
        with self._lock:
            return self._finished.get(run_id)

    def _actor(self, parent: Run | None, metadata: Any) -> Mapping[str, str | None]:
        actor = parent.actor if parent is not None else self._defaults
        if metadata:
            for name, key in self._metadata_keys.items():
                value = metadata.get(key)
                if value is not None and value != actor[name]:
                    actor = {**actor, name: str(value)}  # copy on write: runs share it
        return actor

    def start(
        self,
        kind: str,
        name: str,
        run_id: UUID,
        parent_run_id: UUID | None,
        kwargs: Mapping[str, Any],
    ) -> Run:
        """Open a run: its span and event id, its actor; make it the current span.

        Args:
            kind: ``chain``, ``llm``, ``tool`` or ``retriever``.
            name: The run's name.
            run_id: LangChain's run id.
            parent_run_id: LangChain's id of the run that called it, if any.
            kwargs: The start callback's keywords (``metadata``, ``tags``).

        Returns:
            The run.
        """
        parent = self._runs.get(parent_run_id) if parent_run_id is not None else None
        outer = parent.context if parent is not None else current_trace()
        if outer is None:
            outer = TraceContext(ids.trace_id())
        actor = self._actor(parent, kwargs.get("metadata"))
        ids_of_actor = (actor["tenant_id"], actor["user_id"], actor["session_id"])
        context = outer.child(ids.span_id(), ids.event_id(), ids_of_actor)
        run = Run(
            kind,
            name,
            context,
            outer.span_id,
            outer.event_id,
            actor,
            tracing.set_trace(context),
            parent is None,
            time.time_ns() // 1000,
            time.perf_counter_ns(),
            attributes={"langchain.run_type": kind, "langchain.name": name},
        )
        tags = kwargs.get("tags") if parent is None else None  # children inherit them
        if tags:
            run.attributes["langchain.tags"] = ",".join(str(t) for t in tags)
        self._runs[run_id] = run
        return run

    def finish(self, run_id: UUID) -> Run | None:
        """Close a run: forget it, and give back the span that was current before it.

        Args:
            run_id: LangChain's run id.

        Returns:
            The run, or None for a run this table did not see start.
        """
        run = self._runs.pop(run_id, None)
        if run is None:
            return None
        if run.top_level:
            with self._lock:
                self._finished[run_id] = run.context.trace_id
                if len(self._finished) > FINISHED_TRACES_KEPT:
                    self._finished.popitem(last=False)
        # The end callback may run in a copy of the start's context; restore only where
        # this run is still the current span, never over another run's.
        if tracing.local_trace() is run.context:
            tracing.set_trace(run.previous)
        return run
