"""The redaction policy: a versioned YAML file mapping each event field to an action.

Validated by pydantic at start (unknown keys, unknown actions and uncovered string fields
are errors naming the file and the field), then compiled into plain dicts for the hot path.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from auditstream.processor.errors import PolicyError
from auditstream.schemas import catalog


class FieldAction(StrEnum):
    """What redaction does to one field."""

    KEEP = "keep"
    PSEUDONYMIZE = "pseudonymize"
    MASK = "mask"
    DROP = "drop"
    SCAN = "scan"
    SCAN_PATTERNS = "scan_patterns"

    def __str__(self) -> str:
        return self.value


class _TenantOverride(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    fields: dict[str, FieldAction] = Field(default_factory=dict)


class _PolicyFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    policy_version: str = Field(min_length=1)
    fields: dict[str, FieldAction]
    tenants: dict[str, _TenantOverride] = Field(default_factory=dict)


def string_field_paths(schema: Any = None) -> set[str]:
    """Return the policy path of every string field of the AuditEvent schema.

    Paths are dotted; ``[]`` marks array items and ``.*`` map values, e.g.
    ``rag_documents[].source``, ``attributes.*``. The ``processing`` record is left out:
    the processor writes it, producers never do.

    Args:
        schema: An Avro schema as JSON; the current AuditEvent when None.

    Returns:
        The set of paths.
    """
    paths = _walk(schema or catalog.current().source, "")
    return {p for p in paths if not p.startswith(PROCESSOR_OWNED_PREFIX)}


PROCESSOR_OWNED_PREFIX = "processing."


def _walk(node: Any, path: str) -> Iterator[str]:
    if isinstance(node, list):  # a union
        for branch in node:
            yield from _walk(branch, path)
    elif isinstance(node, str):
        if node == "string":
            yield path
    elif isinstance(node, dict):
        kind = node["type"]
        if kind == "record":
            for field in node["fields"]:
                yield from _walk(
                    field["type"], f"{path}.{field['name']}" if path else field["name"]
                )
        elif kind == "array":
            yield from _walk(node["items"], f"{path}[]")
        elif kind == "map":
            yield from _walk(node["values"], f"{path}.*")
        else:
            yield from _walk(kind, path)


class RedactionPolicy:
    """A validated policy: the action for each field, per tenant.

    Args:
        version: The file's ``policy_version``.
        fields: Action per field path.
        tenant_fields: Per tenant, the actions that replace the defaults.
    """

    __slots__ = ("_tenant_fields", "fields", "version")

    def __init__(
        self,
        version: str,
        fields: Mapping[str, FieldAction],
        tenant_fields: Mapping[str, Mapping[str, FieldAction]],
    ) -> None:
        self.version = version
        self.fields = dict(fields)
        self._tenant_fields = {t: {**self.fields, **f} for t, f in tenant_fields.items()}

    def for_tenant(self, tenant_id: str | None) -> Mapping[str, FieldAction]:
        """Return the field actions that apply to one tenant's events."""
        if tenant_id is None:
            return self.fields
        return self._tenant_fields.get(tenant_id, self.fields)


def load_policy(path: Path | None = None) -> RedactionPolicy:
    """Load and validate a policy file (the shipped default when ``path`` is None).

    Args:
        path: A YAML policy file.

    Returns:
        The policy.

    Raises:
        PolicyError: The file is unreadable, not YAML, has unknown keys or actions,
            names fields the schema lacks, or leaves a string field uncovered.
    """
    source = str(path) if path else "<default>"
    try:
        text = (
            path.read_text("utf-8")
            if path
            else resources.files("auditstream.processor.redaction")
            .joinpath("default_policy.yaml")
            .read_text("utf-8")
        )
        raw = yaml.safe_load(text)
    except OSError as exc:
        raise PolicyError(source, f"cannot read ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        raise PolicyError(
            source, f"{where}not valid YAML ({getattr(exc, 'problem', exc)})"
        ) from exc
    try:
        model = _PolicyFile.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise PolicyError(source, f"{where}: {first['msg']}") from exc
    known = string_field_paths()
    for tenant, override in [("", _TenantOverride(fields=model.fields)), *model.tenants.items()]:
        unknown = sorted(set(override.fields) - known)
        if unknown:
            scope = f"tenant {tenant!r}: " if tenant else ""
            raise PolicyError(source, f"{scope}unknown fields {unknown}; known: {sorted(known)}")
    missing = sorted(known - set(model.fields))
    if missing:
        raise PolicyError(source, f"string fields without an action: {missing}")
    return RedactionPolicy(
        model.policy_version, model.fields, {t: o.fields for t, o in model.tenants.items()}
    )
