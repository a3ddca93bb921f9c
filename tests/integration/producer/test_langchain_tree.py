"""The LangChain example through the real pipeline: the archive rebuilds the run's tree.

examples/langchain_app.py runs a fake chat model chain with a retriever and a tool under
``AuditCallbackHandler``; the processor and sink archive the events; ``audit query``
reads them back, and their span links must give the tree: which chain called which LLM,
tool and retriever.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from support.pipeline import PipelineUnderTest
from support.stack import REPO
from support.wait import wait_until

pytestmark = pytest.mark.integration

EXAMPLE = REPO / "examples" / "langchain_app.py"
EXPECTED_EVENTS = 15  # the span, 11 chain runs, a retriever, two LLM calls, one tool


def _env(pipeline: PipelineUnderTest, spool: Path) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("AUDITSTREAM_")}
    return {
        **base,
        **pipeline.env,
        "AUDITSTREAM_PRODUCER__SERVICE_NAME": "support-bot",
        "AUDITSTREAM_PRODUCER__SPOOL_DIR": str(spool),
    }


def _query(pipeline: PipelineUnderTest, spool: Path, sql: str) -> list[dict[str, Any]]:
    done = subprocess.run(
        [sys.executable, "-m", "auditstream.cli.main", "query", sql, "--format", "jsonl"],
        env=_env(pipeline, spool),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


class TestLangChainTree:
    def test_archived_events_rebuild_which_chain_called_which_llm_tool_and_retriever(
        self, pipeline: PipelineUnderTest, tmp_path: Path
    ) -> None:
        """One trace, one root, every parent present, and the calls hang where they ran."""
        pipeline.start("process")
        pipeline.start("sink")
        spool = tmp_path / "spool"
        ran = subprocess.run(
            [sys.executable, str(EXAMPLE)],
            env=_env(pipeline, spool),
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        report = json.loads(ran.stdout.splitlines()[-1])
        assert (report["emitted"], report["delivered"]) == (EXPECTED_EVENTS, EXPECTED_EVENTS)
        trace_id = report["trace_id"]
        sql = (
            "SELECT event_type, action, trace.span_id AS span, trace.parent_span_id AS parent, "
            "attributes['langchain.name'] AS name, tool.name AS tool, "
            "[d.id FOR d IN rag_documents] AS documents "
            f"FROM events WHERE trace.trace_id = '{trace_id}'"
        )
        rows = wait_until(
            lambda: (r := _query(pipeline, spool, sql)) and len(r) >= EXPECTED_EVENTS and r,
            timeout_s=240,
            interval_s=2.0,
            what="the example's events in the archive",
            describe=pipeline.logs,
        )
        assert len(rows) == EXPECTED_EVENTS
        by_span = {row["span"]: row for row in rows}

        def parent(row: dict[str, Any]) -> dict[str, Any]:
            return by_span[row["parent"]]

        def ancestors(row: dict[str, Any]) -> list[str]:
            names = []
            while row["parent"] is not None:
                row = parent(row)
                names.append(row["name"] or row["action"])
            return names

        [root] = [r for r in rows if r["parent"] is None]
        assert (root["event_type"], root["action"]) == ("CHAIN", "support.answer")
        assert all(r["parent"] in by_span for r in rows if r is not root)
        [tool] = [r for r in rows if r["event_type"] == "TOOL_CALL"]
        assert tool["tool"] == "lookup_order"
        assert parent(tool)["name"] == "fetch_order"
        assert ancestors(tool)[-2:] == ["RunnableSequence", "support.answer"]
        [retrieval] = [r for r in rows if r["event_type"] == "RAG_QUERY"]
        assert retrieval["documents"] == ["kb-shipping-7", "kb-returns-2"]
        assert parent(retrieval)["name"] == "policy_text"
        llms = [r for r in rows if r["event_type"] == "LLM_REQUEST"]
        assert len(llms) == 2
        # The first call extracts the order id inside the assign step; the second answers
        # directly under the top-level sequence.
        assert sorted(len(ancestors(r)) for r in llms) == [2, 5]
        assert all(parent(r)["name"] == "RunnableSequence" for r in llms)
