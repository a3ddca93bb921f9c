"""Our recognizers, beyond Presidio's defaults: one recognizer per file."""

from __future__ import annotations

from presidio_analyzer import EntityRecognizer

from auditstream.processor.redaction.recognizers.age_recognizer import AgeRecognizer
from auditstream.processor.redaction.recognizers.bearer_token_recognizer import (
    BearerTokenRecognizer,
)
from auditstream.processor.redaction.recognizers.card_number_recognizer import (
    CardNumberRecognizer,
)
from auditstream.processor.redaction.recognizers.cloud_key_recognizer import CloudKeyRecognizer
from auditstream.processor.redaction.recognizers.contact_name_recognizer import (
    ContactNameRecognizer,
)
from auditstream.processor.redaction.recognizers.cued_name_recognizer import CuedNameRecognizer
from auditstream.processor.redaction.recognizers.date_recognizer import PersonalDateRecognizer
from auditstream.processor.redaction.recognizers.email_in_url_recognizer import (
    EmailInUrlRecognizer,
)
from auditstream.processor.redaction.recognizers.iban_recognizer import IbanChecksumRecognizer
from auditstream.processor.redaction.recognizers.id_number_recognizer import (
    IdNumberRecognizer,
    id_number_recognizers,
)
from auditstream.processor.redaction.recognizers.jwt_recognizer import JwtRecognizer
from auditstream.processor.redaction.recognizers.labelled_name_recognizer import (
    LabelledNameRecognizer,
)
from auditstream.processor.redaction.recognizers.llm_api_key_recognizer import (
    LlmApiKeyRecognizer,
)
from auditstream.processor.redaction.recognizers.national_id_recognizer import (
    NationalIdRecognizer,
)
from auditstream.processor.redaction.recognizers.password_recognizer import PasswordRecognizer
from auditstream.processor.redaction.recognizers.phone_context_recognizer import (
    PhoneContextRecognizer,
)
from auditstream.processor.redaction.recognizers.platform_token_recognizer import (
    PlatformTokenRecognizer,
)
from auditstream.processor.redaction.recognizers.private_key_recognizer import (
    PrivateKeyRecognizer,
)
from auditstream.processor.redaction.recognizers.salutation_recognizer import (
    SalutationRecognizer,
)
from auditstream.processor.redaction.recognizers.secret_recognizer import (
    SECRET_ENTITY,
    SecretPatternRecognizer,
)
from auditstream.processor.redaction.recognizers.self_introduction_recognizer import (
    SelfIntroductionRecognizer,
)
from auditstream.processor.redaction.recognizers.street_address_recognizer import (
    StreetAddressRecognizer,
)
from auditstream.processor.redaction.recognizers.table_column_recognizer import (
    TableColumnRecognizer,
)

RECOGNIZER_SET_VERSION = "2026-12-07.4"
"""Bumped whenever a recognizer here changes what it finds; recorded on every event."""


def secret_recognizers() -> list[SecretPatternRecognizer]:
    """Return a fresh instance of each credential recognizer (entity ``SECRET``)."""
    return [
        LlmApiKeyRecognizer(),
        CloudKeyRecognizer(),
        PlatformTokenRecognizer(),
        JwtRecognizer(),
        PrivateKeyRecognizer(),
        PasswordRecognizer(),
        BearerTokenRecognizer(),
    ]


def custom_recognizers() -> list[EntityRecognizer]:
    """Return a fresh instance of each of our recognizers."""
    return [*secret_recognizers(), *name_recognizers(), *personal_data_recognizers()]


def personal_data_recognizers() -> list[EntityRecognizer]:
    """Return a fresh instance of each recognizer of personal data other than names."""
    return [
        PersonalDateRecognizer(),
        StreetAddressRecognizer(),
        CardNumberRecognizer(),
        IbanChecksumRecognizer(),
        PhoneContextRecognizer(),
        AgeRecognizer(),
        EmailInUrlRecognizer(),
        NationalIdRecognizer(),
        TableColumnRecognizer(),
        *id_number_recognizers(),
    ]


def name_recognizers() -> list[EntityRecognizer]:
    """Return a fresh instance of each PERSON pattern recognizer (NER's safety net)."""
    return [
        SelfIntroductionRecognizer(),
        SalutationRecognizer(),
        ContactNameRecognizer(),
        LabelledNameRecognizer(),
        CuedNameRecognizer(),
    ]


__all__ = [
    "RECOGNIZER_SET_VERSION",
    "SECRET_ENTITY",
    "AgeRecognizer",
    "BearerTokenRecognizer",
    "CardNumberRecognizer",
    "CloudKeyRecognizer",
    "ContactNameRecognizer",
    "CuedNameRecognizer",
    "EmailInUrlRecognizer",
    "IbanChecksumRecognizer",
    "IdNumberRecognizer",
    "JwtRecognizer",
    "LabelledNameRecognizer",
    "LlmApiKeyRecognizer",
    "NationalIdRecognizer",
    "PasswordRecognizer",
    "PersonalDateRecognizer",
    "PhoneContextRecognizer",
    "PlatformTokenRecognizer",
    "PrivateKeyRecognizer",
    "SalutationRecognizer",
    "SecretPatternRecognizer",
    "SelfIntroductionRecognizer",
    "StreetAddressRecognizer",
    "TableColumnRecognizer",
    "custom_recognizers",
    "id_number_recognizers",
    "name_recognizers",
    "personal_data_recognizers",
    "secret_recognizers",
]
