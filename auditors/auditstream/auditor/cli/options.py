"""Options that several ``audit`` commands take, written once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

KeyFiles = Annotated[
    list[Path] | None,
    typer.Option(
        "--key",
        metavar="FILE",
        help="Trust signers with the public keys (PEM) in this file, and the keys they "
        "rotated to; repeatable. Adds to AUDITSTREAM_TRUST__KEYRING_FILE.",
    ),
]
"""``--key FILE``: trusted signer keys, beside the configured keyring (``with_key_files``)."""
