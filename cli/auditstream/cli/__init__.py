"""The ``audit`` command: mounts each stage's commands lazily, plus stack and demo."""

from __future__ import annotations

__all__: list[str] = []
