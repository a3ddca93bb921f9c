"""Logging set-up: JSON lines keep a logged exception as a structured field."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from auditstream.schemas.observability import configure_logging


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()


def _lines(err: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in err.splitlines() if line.startswith("{")]


def _fail() -> None:
    prompt = "my card is 4111 1111 1111 1111"  # a local that must not reach the log
    raise ValueError(f"bad value of {len(prompt)} chars")


class TestJsonTracebacks:
    """configure_logging(fmt="json") renders exceptions as dicts."""

    def test_structlog_exception_is_a_structured_field(
        self, restore_logging: None, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """log.exception() gives an ``exception`` list with type, value and frames."""
        configure_logging(level="INFO", fmt="json", stage="test")
        try:
            _fail()
        except ValueError:
            structlog.get_logger("t").exception("step_failed", step=3)
        (line,) = _lines(capsys.readouterr().err)
        assert "exc_info" not in line
        (exc,) = line["exception"]  # type: ignore[misc]
        assert exc["exc_type"] == "ValueError"
        assert exc["exc_value"] == "bad value of 30 chars"
        assert exc["frames"][-1]["name"] == "_fail"
        assert "locals" not in exc["frames"][-1]
        assert "4111" not in json.dumps(line)

    def test_stdlib_exception_is_a_structured_field(
        self, restore_logging: None, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A library logging through the standard library gets the same field, causes included."""
        configure_logging(level="INFO", fmt="json", stage="test")
        try:
            try:
                _fail()
            except ValueError as exc:
                raise KeyError("outer") from exc
        except KeyError:
            logging.getLogger("botocore.test").exception("library failed")
        (line,) = _lines(capsys.readouterr().err)
        assert line["event"] == "library failed"
        assert [e["exc_type"] for e in line["exception"]] == ["KeyError", "ValueError"]  # type: ignore[union-attr]
        assert "4111" not in json.dumps(line)
