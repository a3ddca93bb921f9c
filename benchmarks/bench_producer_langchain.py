"""``AuditCallbackHandler``'s cost per LangChain run, and the event loop's lag under it.

Question 1, overhead (issue 16, target <= 150 us per run): a tool-calling chain, run with
``invoke`` under the handler, against the same chain with no callbacks, in the same
process, interleaved rounds. The chain is what an agent turn looks like: a
``RunnableSequence`` of a chat prompt, a fake chat model from langchain-core
(``FakeMessagesListChatModel``, so no network and no sleep) whose answer asks for a tool,
and a step that runs the tool (a ``@tool``) the model asked for, then parses: six runs
per ``invoke`` (sequence, prompt, model, tool step, tool, parser), counted from the
events the handler emits, not assumed. The overhead per run is
``(handler - bare) / runs`` per invoke, median over rounds; the same difference in the
process's CPU time (all its threads, so librdkafka's and the client's background work
count, and time spent waiting for a core on a loaded host does not) is stored beside
it. The client writes to the running local broker with its default spool
(``interval``), as a service would. For scale, the same rounds time one
``client.emit()`` of a CHAIN event as the handler sends it (the SDK's own cost per
event: checks, scrub, encoding, write-ahead, produce); the overhead minus that is what
LangChain's callback machinery and the handler add.

Question 2, loop lag (issue 16, item 8): 200 concurrent ``ainvoke`` runs of the same
chain under ``asyncio.gather``, while a ticker task asks for a wake-up every millisecond;
the lag is how late each wake-up comes. Reported with and without the handler (p50,
p99, max, milliseconds) in the same rounds; no target, the figure shows whether the
inline callbacks hold the loop.

Runs against the local stack (``eval "$(deploy/local/stack.sh env)"``); prints the
figures and stores JSON in ``benchmarks/results/``.

    .venv/bin/python benchmarks/bench_producer_langchain.py [--rounds 15] [--invokes 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import tempfile
import time
import uuid
from importlib.metadata import version
from pathlib import Path
from typing import Any

from langchain_core.language_models import FakeMessagesListChatModel
from langchain_core.messages import AIMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import Runnable, RunnableLambda
from langchain_core.tools import tool

from auditstream.producer import AuditClient, ClientConfig, EventType
from auditstream.producer.langchain import AuditCallbackHandler

TARGET_US_PER_RUN = 150.0
CONCURRENT_RUNS = 200
TICK_S = 0.001
RESULTS = Path(__file__).resolve().parent / "results"
QUESTION = "Where is order ORD-1042? My e-mail is jane@example.com."
TOOL_CALL = AIMessage(
    content="",
    tool_calls=[{"name": "lookup_order", "args": {"order_id": "ORD-1042"}, "id": "call-1"}],
)


@tool
def lookup_order(order_id: str) -> str:
    """Look up an order's shipping status."""
    return json.dumps({"order_id": order_id, "status": "shipped", "carrier": "DHL"})


def build_chain() -> Runnable[dict[str, str], str]:
    """Return the agent turn: prompt, model asking for a tool, the tool, a parser."""
    model = FakeMessagesListChatModel(responses=[TOOL_CALL])
    prompt = ChatPromptTemplate.from_messages(
        [("system", "You help with orders. Call a tool when you need one."), ("human", "{q}")]
    )

    def run_tools(message: AIMessage) -> AIMessage:
        results = [lookup_order.invoke(call) for call in message.tool_calls]
        return AIMessage(content="\n".join(str(r.content) for r in results))

    return prompt | model | RunnableLambda(run_tools, name="run_tools") | StrOutputParser()


def _client(bootstrap: str, topic: str, spool: str) -> AuditClient:
    return AuditClient(
        ClientConfig(
            service_name="bench-agent",
            tenant_id="acme",
            bootstrap_servers=bootstrap,
            topic=topic,
            spool_dir=spool,
            prometheus=False,
        )
    )


def _emit_ns(client: AuditClient, events: int) -> int:
    """Time ``events`` emits of a CHAIN event shaped like the handler's nested ones."""
    attributes = {"langchain.run_type": "chain", "langchain.name": "RunnableSequence"}
    trace_id, parent = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
    t0 = time.perf_counter_ns()
    for _ in range(events):
        client.emit(
            EventType.CHAIN,
            "RunnableSequence",
            trace_id=trace_id,
            parent_span_id=parent,
            attributes=attributes,
            latency_ms=1.0,
        )
    return time.perf_counter_ns() - t0


def _invoke_ns(chain: Runnable[dict[str, str], str], config: Any, invokes: int) -> int:
    return _invoke_wall_cpu_ns(chain, config, invokes)[0]


def _invoke_wall_cpu_ns(
    chain: Runnable[dict[str, str], str], config: Any, invokes: int
) -> tuple[int, int]:
    """Wall time and the process's CPU time (every thread: librdkafka's, the client's)."""
    t0, c0 = time.perf_counter_ns(), time.process_time_ns()
    for _ in range(invokes):
        chain.invoke({"q": QUESTION}, config=config)
    return time.perf_counter_ns() - t0, time.process_time_ns() - c0


async def _lag_ms(chain: Runnable[dict[str, str], str], config: Any) -> list[float]:
    """Wake-up lateness of a 1 ms ticker while 200 runs go concurrently."""
    lags: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        while not done.is_set():
            due = time.perf_counter()
            await asyncio.sleep(TICK_S)
            lags.append((time.perf_counter() - due - TICK_S) * 1000)

    tick = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    await asyncio.gather(
        *(chain.ainvoke({"q": QUESTION}, config=config) for _ in range(CONCURRENT_RUNS))
    )
    done.set()
    await tick
    return lags


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def main() -> None:
    """Measure both questions and write ``results/bench_producer_langchain.json``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--invokes", type=int, default=200)
    args = parser.parse_args()
    load_before = os.getloadavg()
    bootstrap = os.environ.get("AUDITSTREAM_KAFKA__BOOTSTRAP_SERVERS", "127.0.0.1:19092")
    topic = f"bench.{uuid.uuid4().hex[:8]}.raw"
    workdir = tempfile.mkdtemp(prefix="bench-langchain-", dir=os.environ.get("BENCH_SPOOL_DIR"))
    client = _client(bootstrap, topic, f"{workdir}/spool")
    handler = AuditCallbackHandler(client)
    chain = build_chain()
    with_handler = {"callbacks": [handler]}
    bare: dict[str, Any] = {}

    # Runs per invoke, counted from what the handler emits.
    before = client.stats().emitted
    chain.invoke({"q": QUESTION}, config=with_handler)
    runs = client.stats().emitted - before
    _invoke_ns(chain, bare, 20)  # warm both paths
    _invoke_ns(chain, with_handler, 20)

    per_run_us, bare_us, handler_us, emit_us, cpu_per_run_us = [], [], [], [], []
    for index in range(args.rounds):
        if index % 2:
            h, h_cpu = _invoke_wall_cpu_ns(chain, with_handler, args.invokes)
            b, b_cpu = _invoke_wall_cpu_ns(chain, bare, args.invokes)
        else:
            b, b_cpu = _invoke_wall_cpu_ns(chain, bare, args.invokes)
            h, h_cpu = _invoke_wall_cpu_ns(chain, with_handler, args.invokes)
        emit_us.append(_emit_ns(client, args.invokes * runs) / (args.invokes * runs) / 1000)
        bare_us.append(b / args.invokes / 1000)
        handler_us.append(h / args.invokes / 1000)
        per_run_us.append((h - b) / args.invokes / runs / 1000)
        cpu_per_run_us.append((h_cpu - b_cpu) / args.invokes / runs / 1000)

    lag: dict[str, list[float]] = {"handler": [], "bare": []}
    for index in range(max(3, args.rounds // 3)):
        order = ("handler", "bare") if index % 2 else ("bare", "handler")
        for side in order:
            config = with_handler if side == "handler" else bare
            lag[side].extend(asyncio.run(_lag_ms(chain, config)))

    undelivered = client.flush(30)
    stats = client.stats()
    client.close()
    overhead = statistics.median(per_run_us)
    result = {
        "name": "producer_langchain",
        "baseline": {
            "what": "chain.invoke without callbacks",
            "median_us_per_invoke": statistics.median(bare_us),
        },
        "candidate": {
            "what": "chain.invoke with AuditCallbackHandler",
            "median_us_per_invoke": statistics.median(handler_us),
        },
        "ratio": statistics.median(h / b for h, b in zip(handler_us, bare_us, strict=True)),
        "overhead_us_per_run": overhead,
        "overhead_us_per_run_rounds": per_run_us,
        "overhead_cpu_us_per_run": statistics.median(cpu_per_run_us),
        "overhead_cpu_us_per_run_rounds": cpu_per_run_us,
        "emit_us_per_event": statistics.median(emit_us),
        "overhead_beyond_emit_us_per_run": overhead - statistics.median(emit_us),
        "target": f"overhead <= {TARGET_US_PER_RUN} us per run",
        "met": overhead <= TARGET_US_PER_RUN,
        "loop_lag_ms": {
            side: {
                "p50": _quantile(values, 0.5),
                "p99": _quantile(values, 0.99),
                "max": max(values, default=0.0),
                "ticks": len(values),
            }
            for side, values in lag.items()
        },
        "rounds": args.rounds,
        "inputs": {
            "invokes_per_round": args.invokes,
            "runs_per_invoke": runs,
            "concurrent_runs_for_lag": CONCURRENT_RUNS,
            "tick_ms": TICK_S * 1000,
            "bootstrap_servers": bootstrap,
            "events_emitted": stats.emitted,
            "events_undelivered_after_flush": undelivered,
            "load_average_1m_before_after": [load_before[0], os.getloadavg()[0]],
            "cpus": os.cpu_count(),
        },
        "versions": {
            "python": platform.python_version(),
            "langchain_core": version("langchain-core"),
            "confluent_kafka": version("confluent-kafka"),
            "auditstream": version("auditstream"),
        },
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench_producer_langchain.json").write_text(json.dumps(result, indent=2) + "\n")
    print(
        f"per invoke ({runs} runs): bare {result['baseline']['median_us_per_invoke']:.0f} us, "
        f"with the handler {result['candidate']['median_us_per_invoke']:.0f} us; "
        f"overhead {overhead:.1f} us per run, median of {args.rounds} rounds "
        f"(target <= {TARGET_US_PER_RUN:.0f}): {'met' if result['met'] else 'NOT met'}"
    )
    print(
        f"the same in CPU time of the process (all threads, time spent waiting for a core "
        f"left out): {result['overhead_cpu_us_per_run']:.1f} us per run"
    )
    print(
        f"of which one emit() per run: {result['emit_us_per_event']:.1f} us (same rounds); "
        f"LangChain's callback machinery and the handler: "
        f"{result['overhead_beyond_emit_us_per_run']:.1f} us per run"
    )
    for side, figures in result["loop_lag_ms"].items():
        print(
            f"loop lag under {CONCURRENT_RUNS} concurrent runs, {side}: p50 "
            f"{figures['p50']:.2f} ms, p99 {figures['p99']:.2f} ms, max {figures['max']:.2f} ms"
        )


if __name__ == "__main__":
    main()
