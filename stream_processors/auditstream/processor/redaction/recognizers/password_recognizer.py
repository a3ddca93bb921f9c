"""Passwords and other named secrets, in text, configs and connection strings.

Shapes: ``password: x``, ``pwd=x``, ``"api_key": "x"``, ``--password x``, "my password
is x", and the credentials of connection strings (``postgres://user:pass@host``,
``Server=...;Password=x;``, ``?user=u&password=x``).

The name stays and only the value is replaced, so an auditor can still see that a
password was sent. Values that are plainly not secrets are left: placeholders and
variable references (``${DB_PASSWORD}``, ``<password>``, ``****``, ``os.environ[...]``)
and the words of sentences such as "the password is incorrect".
"""

from __future__ import annotations

from typing import ClassVar

from presidio_analyzer import Pattern

from auditstream.processor.redaction.recognizers.hinted import hint
from auditstream.processor.redaction.recognizers.secret_recognizer import (
    SecretPatternRecognizer,
)

# Names whose value is a secret. Matched case-insensitively, also inside longer
# identifiers (DB_PASSWORD, client_secret, x-api-key), never inside words ("bypass").
_NAMES = (
    r"(?i:pass(?:word|wd|phrase|code)?|pwd|pw|secret(?:_?key)?|client_?secret|api[_-]?key|"
    r"x-api-key|access_?token|auth_?token|refresh_?token|private_?token|secret_?token)"
)
_NAME = rf"(?<![A-Za-z])(?:[A-Za-z0-9]{{1,30}}[_-])?{_NAMES}"
_ASSIGN = rf"{_NAME}[\"']?[ \t]{{0,4}}(?:=>|:=|[:=])[ \t]{{0,4}}"
# Words that follow "password is" in ordinary sentences, and placeholder openers.
_NOT_A_VALUE = (
    r"(?!(?i:incorrect|wrong|invalid|required|expired|correct|empty|missing|too|not|the|"
    r"a|an|set|reset|null|none|nil|changed|same|being|was|is|needed|different|weak|"
    r"strong|stored|hashed|encrypted|protected|masked|redacted|hidden|secure|"
    r"provided|given|available|optional|true|false|undefined|env|config|settings)"
    r"(?![A-Za-z0-9]))(?!(?i:os\.|process\.env|getenv|env\[|config\.|settings\.))(?![$%{<*\[(])"
)
# A value: no spaces, no quotes or separators of key=value lists; 4 to 128 characters.
_VALUE = r"[^\s\"'`,;&<>]{3,127}[^\s\"'`,;&<>.!?:)\]}]"


class PasswordRecognizer(SecretPatternRecognizer):
    """Find passwords and named secrets in text, configs and connection strings."""

    # Every pattern's name or cue holds one of these (api_key: key; connection strings: ://).
    HINTS = (hint(r"pass|pw|secret|token|auth|credential|key|://"),)
    PATTERNS: ClassVar[list[Pattern]] = [
        # password=x, PASSWORD: x, pwd=x; (ODBC), ?user=u&password=x
        Pattern("named_secret_value", rf"(?<={_ASSIGN}){_NOT_A_VALUE}{_VALUE}", 0.85),
        # "password": "x", api_key => 'x': a quoted value runs to its closing quote.
        Pattern(
            "named_secret_quoted", rf"(?<={_ASSIGN}\"){_NOT_A_VALUE}[^\"\r\n]{{4,128}}(?=\")", 0.85
        ),
        Pattern(
            "named_secret_single_quoted",
            rf"(?<={_ASSIGN}'){_NOT_A_VALUE}[^'\r\n]{{4,128}}(?=')",
            0.85,
        ),
        # "my password is x", "password was x", "pw is x"
        Pattern(
            "password_in_a_sentence",
            rf"(?<=(?<![A-Za-z])(?i:pass(?:word|code|phrase)?|pwd|pw)[ \t]{{1,3}}"
            rf"(?i:is|was|to|=)[ \t]{{1,3}}[\"']?){_NOT_A_VALUE}{_VALUE}",
            0.85,
        ),
        # "tried the new password uiL)125gQ*!8HP": a password-shaped word right after the
        # word (letters and a digit or symbol, eight or more characters).
        Pattern(
            "password_after_the_word",
            rf"(?<=(?<![A-Za-z])(?i:pass(?:word|code|phrase)?|pwd)[ \t]{{1,3}})"
            rf"(?=[^\s]{{0,64}}[0-9!@#$%^&*()_+=~\[\]{{}}|\\/?-])(?=[^\s]{{0,64}}[A-Za-z])"
            rf"{_NOT_A_VALUE}[^\s\"'`,;<>]{{7,127}}[^\s\"'`,;<>.!?:)\]}}]",
            0.8,
        ),
        # --password x, --password=x
        Pattern(
            "password_option",
            rf"(?<=(?<![A-Za-z0-9-])--(?i:password|passwd|pass|token|api-key)[ =][\"']?)"
            rf"{_NOT_A_VALUE}{_VALUE}",
            0.85,
        ),
        # token=x, "auth": "x", credentials: x. These names also hold counts and labels
        # ("token: 4096"), so the value must look generated: 16+ characters with letters
        # and digits.
        Pattern(
            "token_value",
            r"(?<=(?<![A-Za-z])(?i:token|auth|credentials?)[\"']?"
            r"[ \t]{0,4}[:=][ \t]{0,4}[\"']?)"
            r"(?=[A-Za-z0-9._~+/=-]{0,200}[0-9])(?=[A-Za-z0-9._~+/=-]{0,200}[A-Za-z])"
            r"[A-Za-z0-9._~+/=-]{16,200}",
            0.8,
        ),
        # A secret's name and its value as sibling fields, as Kubernetes and ECS write an
        # environment: "- name: SMTP_PASSWORD\n  value: x", {"name": "DB_PASSWORD", "value": "x"}.
        Pattern(
            "named_environment_value",
            rf"(?<=(?i:name)[\"']?[ \t]{{0,3}}:[ \t]{{0,3}}[\"']?{_NAME}[\"']?[ \t]{{0,3}},?"
            rf"[ \t]{{0,3}}(?:\n[ \t]{{0,40}}(?:-[ \t]{{0,3}})?)?[\"']?(?i:value)[\"']?"
            rf"[ \t]{{0,3}}:[ \t]{{0,3}}[\"']?){_NOT_A_VALUE}[^\s\"'`,;<>]{{4,128}}",
            0.85,
        ),
        # scheme://user:password@host: the user and the password together.
        Pattern(
            "url_credentials",
            # The password runs to the last "@" before the host: "app:p@ss@db.internal".
            r"(?<=[A-Za-z][A-Za-z0-9+.-]{0,20}://)[^/\s:@\"']{1,64}:[^/\s\"']{1,128}"
            r"(?=@[A-Za-z0-9.-]{1,253}(?:[:/?#\s\"']|$))",
            0.9,
        ),
        # A long hex or base64 value under a key named like a key: "old_key": "a4035583…".
        # A UUID (with hyphens) under "idempotency_key" stays.
        Pattern(
            "key_named_token",
            r"(?<=(?<![A-Za-z0-9])(?i:[a-z0-9]{1,20}_)?(?i:key|secret)[\"']?"
            r"[ \t]{0,4}[:=][ \t]{0,4}[\"']?)"
            r"(?:[A-Fa-f0-9]{32,200}|[A-Za-z0-9+/]{32,200}={0,2})(?![A-Za-z0-9+/=-])",
            0.8,
        ),
    ]
