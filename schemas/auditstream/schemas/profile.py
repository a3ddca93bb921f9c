"""The settings profile: what ``audit stack up`` and ``audit demo`` leave for later commands.

After ``make demo``, a new shell has no ``AUDITSTREAM_*`` variables, yet ``audit query``
should reach the local stack. ``audit stack up`` (and the demo, which starts the stack)
writes the stack's settings (Kafka, S3 endpoint, credentials and bucket, the demo's keys
and keyring) to a profile file, and every role's settings read it, through
:func:`~auditstream.schemas.settings.build_role_settings`, when the environment gives
no settings of its own.

Rules, so a profile never mixes with explicit configuration:

1. ``AUDITSTREAM_PROFILE`` names the file; ``none`` (or an empty value) turns profiles
   off. Unset, it is ``$XDG_CONFIG_HOME/auditstream/profile.env``
   (``~/.config/auditstream/profile.env``).
2. Any settings variable in the environment (``AUDITSTREAM_<SECTION>__<FIELD>``) means the
   settings are explicit: the profile is not read at all, so the local stack's
   credentials never reach another endpoint.
3. Command-line options still override single values of either.

The file is dotenv-shaped (``NAME=value`` lines, ``#`` comments), so a shell can load it
too (``set -a; . profile.env``). This module reads no environment at import.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Mapping
from pathlib import Path

from dotenv import dotenv_values

PROFILE_VARIABLE = "AUDITSTREAM_PROFILE"
"""Names the profile file; ``none`` or empty turns profiles off."""

MARKER = "# Written by `audit stack up`; rewritten on each run. Explicit AUDITSTREAM_* wins."
"""First line of a profile the stack wrote: only such a file is ever overwritten."""

_OFF = frozenset({"", "none"})
# AUDITSTREAM_<SECTION>__<FIELD>: a settings variable. AUDITSTREAM_PROFILE, the stack's
# AUDITSTREAM_STACK_* and the tests' AUDITSTREAM_TEST_* have no double underscore.
_SETTING = re.compile(r"AUDITSTREAM_([A-Z0-9_]+?)__(.+)")


def profile_path(environ: Mapping[str, str]) -> Path | None:
    """Return where the profile lives, or None when profiles are turned off.

    Args:
        environ: The process environment.
    """
    named = environ.get(PROFILE_VARIABLE)
    if named is not None:
        return None if named.strip().lower() in _OFF else Path(named).expanduser()
    config_home = environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config_home) / "auditstream" / "profile.env"


def explicit_settings(environ: Mapping[str, str]) -> list[str]:
    """Return the settings variables the environment sets (they switch the profile off).

    Args:
        environ: The process environment.
    """
    return sorted(name for name in environ if _SETTING.fullmatch(name))


def read_profile(path: Path) -> dict[str, str]:
    """Return the variables of a profile file; an absent file has none.

    Args:
        path: The profile file.
    """
    if not path.is_file():
        return {}
    values = dotenv_values(path, interpolate=False)
    return {name: value for name, value in values.items() if value is not None}


def profile_sections(
    environ: Mapping[str, str], sections: frozenset[str]
) -> tuple[Path | None, dict[str, dict[str, str]]]:
    """Return the profile's settings for the given sections, unless settings are explicit.

    Args:
        environ: The process environment.
        sections: Section names of the role's settings class (``s3``, ``kafka``...);
            the profile's other sections belong to other roles and are left out.

    Returns:
        The profile used (None when none was) and its values per section and field,
        as strings, for pydantic to validate as it validates variables.
    """
    found: dict[str, dict[str, str]] = {}
    for name, value in profile_environment(environ).items():
        # Settings variables only: AUDITSTREAM_<SECTION>__<FIELD>, split at the first "__".
        section, _, field = name.removeprefix("AUDITSTREAM_").partition("__")
        if section.lower() in sections:
            found.setdefault(section.lower(), {})[field.lower()] = value
    return (profile_path(environ) if found else None), found


def profile_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """Return the profile's settings as variables, when the profile applies to ``environ``.

    A parent that starts worker processes passes these on, so children that get a
    settings variable of their own (a metrics port, an option) keep the profile's
    settings instead of losing the profile to rule 2.

    Args:
        environ: The parent's environment.
    """
    path = profile_path(environ)
    if path is None or explicit_settings(environ):
        return {}
    return {name: value for name, value in read_profile(path).items() if _SETTING.fullmatch(name)}


def write_profile(path: Path, variables: Mapping[str, str]) -> bool:
    """Write a profile, unless a file someone else wrote is there.

    The file is readable by its owner only: it holds the stack's credentials.

    Args:
        path: Where to write.
        variables: ``AUDITSTREAM_*`` names and values.

    Returns:
        False when the path holds a file without :data:`MARKER` (an operator's own
        profile), which is left as it is; True when written.

    Raises:
        ValueError: A value holds a quote or a line break, which the format cannot carry.
    """
    if path.exists() and not path.read_text(errors="replace").startswith(MARKER):
        return False
    lines = [MARKER]
    for name, value in sorted(variables.items()):
        if any(char in value for char in "'\"\n\r"):
            msg = f"{name}: a profile value cannot hold quotes or line breaks"
            raise ValueError(msg)
        lines.append(f"{name}={shlex.quote(value)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    # Created owner-only before the secret is written, then renamed over the old file.
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write("\n".join(lines) + "\n")
    temporary.replace(path)
    return True
