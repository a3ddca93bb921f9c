"""The inline AuditCallbackHandler on an event loop: it never blocks, runs stay apart.

LangChain calls an inline handler's sync callbacks directly on the loop. They must only
hand the event to ``emit()``, which queues it and never waits for the broker. The test
proves it without timing anything: while 200 runs go concurrently, every way Python code
waits (``time.sleep``, ``threading.Event.wait``, ``threading.Condition.wait``,
``select.select``, and any socket call, seen by an audit hook, PEP 578) is recorded when
it happens inside one of the handler's callbacks, and there must be none. (LangChain and
asyncio wait on conditions themselves, e.g. when a fake model's sync ``_generate`` is
handed to the default executor; those are outside the callbacks and not counted.) How
long the loop waits in practice is measured by ``benchmarks/bench_producer_langchain.py``
(loop lag under the same 200 runs).
"""

from __future__ import annotations

import asyncio
import select
import socket
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from langchain_core.language_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from langchain_core.runnables import RunnableLambda

from auditstream.producer import AuditClient, EventType
from auditstream.producer.langchain import AuditCallbackHandler
from support.fake_producer import FakeProducer

RUNS = 200
_watch: dict[str, Any] = {"thread": None, "seen": []}


def _hook(event: str, args: tuple[Any, ...]) -> None:
    # Installed once per process (audit hooks cannot be removed); inert unless watching.
    if _watch["thread"] == threading.get_ident() and event.startswith("socket."):
        _watch["seen"].append(event)


sys.addaudithook(_hook)


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the Python-level waits made on the watched thread."""

    def watched(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if _watch["thread"] == threading.get_ident():
                _watch["seen"].append(name)
            return original(*args, **kwargs)

        return wrapper

    for owner, attribute in (
        (time, "sleep"),
        (select, "select"),
        (threading.Event, "wait"),
        (threading.Condition, "wait"),
    ):
        name = f"{getattr(owner, '__name__', owner)}.{attribute}"
        monkeypatch.setattr(owner, attribute, watched(name, getattr(owner, attribute)))
    _watch["seen"] = []
    return _watch["seen"]  # type: ignore[no-any-return]


def _watch_callbacks(handler: AuditCallbackHandler) -> None:
    """Watch for waits only while one of the handler's callbacks runs."""
    for name in dir(handler):
        if not name.startswith("on_"):
            continue
        callback = getattr(handler, name)

        def watched(*args: Any, _callback: Any = callback, **kwargs: Any) -> Any:
            _watch["thread"] = threading.get_ident()
            try:
                return _callback(*args, **kwargs)
            finally:
                _watch["thread"] = None

        setattr(handler, name, watched)


class TestOnTheEventLoop:
    def test_200_concurrent_runs_make_no_blocking_call_on_the_loops_thread(
        self, client: AuditClient, producer: FakeProducer, waits: list[str]
    ) -> None:
        """No sleep, socket or select on the loop thread; every run is recorded, apart."""
        handler = AuditCallbackHandler(client)
        _watch_callbacks(handler)
        model = GenericFakeChatModel(messages=iter([AIMessage(content="ok")] * RUNS))

        async def step(index: int) -> str:
            await asyncio.sleep(0)  # let the other runs in between
            client.emit(EventType.OTHER, "inside", attributes={"i": str(index)})
            reply = await model.ainvoke(f"question {index}")
            return str(reply.content)

        chain = RunnableLambda(step, name="turn")

        async def main() -> list[str]:
            return await asyncio.gather(
                *(chain.ainvoke(i, config={"callbacks": [handler]}) for i in range(RUNS))
            )

        answers = asyncio.run(main())
        assert answers == ["ok"] * RUNS
        assert waits == []
        events = producer.events()
        turns = [e for e in events if e["action"] == "turn"]
        assert len(turns) == RUNS
        assert len({e["trace"]["trace_id"] for e in turns}) == RUNS
        by_trace = {e["trace"]["trace_id"]: e for e in turns}
        for inner in (e for e in events if e["action"] == "inside"):
            turn = by_trace[inner["trace"]["trace_id"]]
            assert inner["trace"]["parent_event_id"] == turn["event_id"]
            assert turn["llm"]["prompt"] == inner["attributes"]["i"]

    def test_the_watch_sees_each_kind_of_wait_when_there_is_one(self, waits: list[str]) -> None:
        """The watch is live: a sleep, an event wait, a select and a socket are recorded."""
        _watch["thread"] = threading.get_ident()
        try:
            time.sleep(0)
            threading.Event().wait(0)
            select.select([], [], [], 0)
            socket.socket().close()
        finally:
            _watch["thread"] = None
        assert {"time.sleep", "Event.wait", "Condition.wait", "select.select"} <= set(waits)
        assert "socket.__new__" in waits
