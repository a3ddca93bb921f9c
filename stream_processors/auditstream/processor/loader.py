"""Load everything a worker needs before it joins the group: policy, key, models."""

from __future__ import annotations

import structlog

from auditstream.processor.pipeline import Pipeline
from auditstream.processor.redaction.analyzer import build_analyzers
from auditstream.processor.redaction.engine import RedactionEngine
from auditstream.processor.redaction.policy import load_policy
from auditstream.processor.redaction.scanning import ScanBudget
from auditstream.processor.redaction.tokens import Pseudonymizer
from auditstream.processor.settings import ProcessorSettings
from auditstream.schemas.dead_letters import DLQ_HEADROOM_BYTES
from auditstream.schemas.registry import RegistryLookup, registry_client

log = structlog.get_logger(__name__)


def load_pipeline(settings: ProcessorSettings) -> Pipeline:
    """Validate the policy and key, load the models, and build the pipeline.

    Args:
        settings: The processor's settings.

    Returns:
        The ready pipeline.

    Raises:
        PolicyError: The policy file is invalid.
        KeyMaterialError: The pseudonymization key is missing or short.
        ModelNotInstalledError: The spaCy model is not installed.
        SchemaRegistrySetupError: A registry URL is set, but its client is not installed
            or refuses the settings.
    """
    section = settings.processor
    policy = load_policy(section.policy_file)
    pseudonymizer = Pseudonymizer(section.hmac_key_bytes())
    engine = RedactionEngine(
        build_analyzers(),
        policy,
        pseudonymizer,
        nlp_batch_size=section.nlp_batch_size,
        cache_entries=section.cache_entries,
        scan_budget=scan_budget(settings),
    )
    connection = settings.schema_registry.connection()
    lookup = None
    if connection is not None:
        # Built now so a missing client or a refused setting stops the worker before it
        # joins the group; nothing is requested until the first Confluent-framed message.
        registry_client(connection)
        lookup = RegistryLookup(connection)
    log.info(
        "processor_configured",
        settings=settings.model_dump(mode="json"),
        policy_version=policy.version,
        schema_registry=None if connection is None else connection.display_url,
    )
    return Pipeline(
        engine,
        max_field_bytes=section.max_field_bytes,
        # the DLQ headroom also covers the redacted topic's record overhead
        max_output_bytes=section.max_message_bytes - DLQ_HEADROOM_BYTES,
        registry_lookup=lookup,
    )


def scan_budget(settings: ProcessorSettings) -> ScanBudget:
    """The analysis limits the processor's settings name.

    Args:
        settings: The processor's settings.

    Returns:
        The scan budget for the redaction engine.
    """
    section = settings.processor
    return ScanBudget(
        field_ms=section.scan_field_budget_ms,
        batch_ms=section.scan_batch_budget_ms,
        max_field_chars=section.scan_max_field_chars,
        regex_timeout_ms=section.scan_regex_timeout_ms,
    )
