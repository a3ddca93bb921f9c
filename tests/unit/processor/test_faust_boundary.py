"""Only the Faust bridge touches private names of Faust, mode or aiokafka.

What counts as a private-name use, found in the parsed source of every module of the
processor package (``stream_processors/auditstream/processor/``):

1. an attribute read or write ``x._name`` (one leading underscore, not a dunder) on
   anything but ``self`` or ``cls`` — our own classes keep their state on ``self``, so a
   private attribute of another object is a third party's (Faust's consumer, mode's
   worker, aiokafka's client). Two standard-library names are allowed everywhere:
   ``os._exit`` and ``sys._getframe``;
2. ``getattr``, ``setattr``, ``hasattr`` or ``delattr`` with a literal ``"_name"``;
3. an import of a ``_name`` from ``faust``, ``mode`` or ``aiokafka``, or of one of their
   ``_private`` modules;
4. in a class whose base comes from ``faust``, ``mode`` or ``aiokafka``, a method
   ``_name`` or a ``self._name`` where that base defines ``_name`` (overriding or calling
   a private method; a subclass's own new attributes are its own, as with aiokafka's
   public ``AbstractTokenProvider`` in ``kafka_auth.py``).

The bridge (``processor/faust_bridge/``) is the one place where they may appear.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path
from typing import Any

import pytest

PACKAGE = Path(__file__).resolve().parents[3] / "stream_processors/auditstream/processor"
BRIDGE = PACKAGE / "faust_bridge"
THIRD_PARTY = ("faust", "mode", "aiokafka")
ALLOWED = {("os", "_exit"), ("sys", "_getframe")}
REFLECTION = {"getattr", "setattr", "hasattr", "delattr"}


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _dotted(node: ast.expr) -> list[str] | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return [node.id, *reversed(parts)]


def _resolve(path: str) -> Any:
    """Import ``a.b.C`` as module ``a.b``, attribute ``C`` (or deeper); None if it fails."""
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            target: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            target = getattr(target, attr, None)
        return target
    return None


class _Scanner(ast.NodeVisitor):
    """Collects ``(line, what)`` for every private-name use (module docstring, rules 1-4)."""

    def __init__(self) -> None:
        self.found: list[tuple[int, str]] = []
        # local name -> dotted path, for names bound to faust, mode or aiokafka objects
        self.third_party: dict[str, str] = {}
        # private names defined by the third-party bases of the classes being visited
        self._inherited: list[set[str]] = []

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            top = alias.name.split(".")[0]
            if top in THIRD_PARTY:
                if alias.asname:
                    self.third_party[alias.asname] = alias.name
                else:
                    self.third_party[top] = top
                if any(_private(part) for part in alias.name.split(".")):
                    self.found.append((node.lineno, f"import {alias.name}"))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if module.split(".")[0] in THIRD_PARTY:
            if any(_private(part) for part in module.split(".")):
                self.found.append((node.lineno, f"from {module} import"))
            for alias in node.names:
                self.third_party[alias.asname or alias.name] = f"{module}.{alias.name}"
                if _private(alias.name):
                    self.found.append((node.lineno, f"from {module} import {alias.name}"))

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        inherited: set[str] = set()
        for base in node.bases:
            parts = _dotted(base)
            if parts and parts[0] in self.third_party:
                resolved = _resolve(".".join([self.third_party[parts[0]], *parts[1:]]))
                inherited.update(name for name in dir(resolved) if _private(name))
        for item in node.body:
            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and item.name in inherited:
                self.found.append((item.lineno, f"def {item.name} in {node.name}"))
        self._inherited.append(inherited)
        self.generic_visit(node)
        self._inherited.pop()

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if _private(node.attr):
            owner = node.value.id if isinstance(node.value, ast.Name) else None
            inherited = self._inherited[-1] if self._inherited else set()
            own = owner in {"self", "cls"} and node.attr not in inherited
            if not own and (owner, node.attr) not in ALLOWED:
                self.found.append((node.lineno, f"{ast.unparse(node.value)}.{node.attr}"))
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Name) and node.func.id in REFLECTION:
            for arg in node.args[1:2]:
                literal = isinstance(arg, ast.Constant) and isinstance(arg.value, str)
                if literal and _private(arg.value):
                    self.found.append((node.lineno, f"{node.func.id}(..., {arg.value!r})"))
        self.generic_visit(node)


def private_names(source: str) -> list[tuple[int, str]]:
    """Every private-name use in ``source``, as ``(line, what)``."""
    scanner = _Scanner()
    scanner.visit(ast.parse(source))
    return scanner.found


def _scan(paths: list[Path]) -> dict[str, list[tuple[int, str]]]:
    found = {}
    for path in paths:
        uses = private_names(path.read_text(encoding="utf-8"))
        if uses:
            found[str(path.relative_to(PACKAGE))] = uses
    return found


class TestFaustBoundary:
    def test_no_module_outside_the_bridge_uses_a_private_name(self) -> None:
        """Consumer state, driver threads, recovery and worker hooks go through the bridge."""
        outside = [p for p in sorted(PACKAGE.rglob("*.py")) if BRIDGE not in p.parents]
        assert len(outside) > 20  # the scan saw the package, not an empty folder
        assert _scan(outside) == {}

    def test_the_bridge_is_where_they_are(self) -> None:
        """The scan finds the names the bridge exists for, so it can fail elsewhere."""
        found = _scan(sorted(BRIDGE.rglob("*.py")))
        seen = " ".join(what for uses in found.values() for _, what in uses)
        for name in (
            "._committed_offset",
            "._new_offset",
            "._highwaters",
            "._active_partitions",
            "._buffered_partitions",
            "._seek_offsets",
            "._set_recovery_ended",
            "'_transaction_producers'",
            "'_thread'",
            "super()._on_sigterm",
        ):
            assert name in seen, name


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("consumer._committed_offset.get(tp)", [(1, "consumer._committed_offset")]),
        (
            "app.consumer._thread._highwaters = f",
            [(1, "app.consumer._thread._highwaters"), (1, "app.consumer._thread")],
        ),
        (
            "getattr(producer, '_transaction_producers', {})",
            [(1, "getattr(..., '_transaction_producers')")],
        ),
        (
            "from faust.transport.consumer import _new_offset",
            [(1, "from faust.transport.consumer import _new_offset")],
        ),
        (
            "import faust\nclass W(faust.Worker):\n    def _on_sigterm(self):\n        pass\n",
            [(3, "def _on_sigterm in W")],
        ),
        (
            "from mode import Worker\nclass W(Worker):\n    def run(self):\n"
            "        self._on_sigint()\n",
            [(4, "self._on_sigint")],
        ),
        (
            "from aiokafka.abc import AbstractTokenProvider as P\nclass T(P):\n    def go(self):\n"
            "        return self._token\n",
            [],
        ),
        ("super()._on_sigint()", [(1, "super()._on_sigint")]),
    ],
)
def test_the_scanner_flags_private_names(source: str, expected: list[tuple[int, str]]) -> None:
    """Each kind of use in the module docstring is found, with its line."""
    assert sorted(private_names(source)) == sorted(expected)


@pytest.mark.parametrize(
    "source",
    [
        "self._app = app",
        "os._exit(70)",
        "sys._getframe()",
        "obj.__class__",
        "getattr(thing, 'public', None)",
        "class Mine:\n    def _helper(self):\n        return self._state\n",
    ],
)
def test_the_scanner_leaves_our_own_and_allowed_names_alone(source: str) -> None:
    """Our classes' own state, dunders and the two allowed standard-library names pass."""
    assert private_names(source) == []
