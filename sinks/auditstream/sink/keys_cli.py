"""``audit keys``: print the sink's public key; hand trust from its key to a new one.

``audit keys export`` prints the public key of the configured signing key
(``AUDITSTREAM_SINK__SIGNING_KEY_FILE`` or ``__SIGNING_KEY``) as PEM, the form that
``audit verify --key`` and ``AUDITSTREAM_TRUST__KEYRING_FILE`` take. Keep that file
where the bucket's writers cannot change it.

``audit keys rotate --to NEW_KEY`` stores a rotation record, signed by the configured
(old) key and naming the new one, write-once under Object Lock in the archive; then
switch the sink's signing key to the new one. Keyrings holding only the old key then
trust the new one too. Exit codes: 0 done, 2 errors.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from auditstream.archive.errors import ObjectExistsError
from auditstream.archive.signing import Signer, public_key_pem
from auditstream.archive.storage import make_s3_client
from auditstream.archive.trust import Keyring, KeyRotation, rotation_key
from auditstream.schemas.errors import AuditstreamError
from auditstream.sink.assembly import open_writer
from auditstream.sink.keys import load_signer
from auditstream.sink.settings import SinkSection, load_sink_settings

EXIT_ERROR = 2

app = typer.Typer(
    name="keys",
    help="Print the sink's public key; rotate its signing key.",
    add_completion=False,
    no_args_is_help=True,
)


def _configured_signer(section: SinkSection) -> Signer:
    if section.signing_key_file is None and section.signing_key is None:
        # A generated dev key lives only in one process: printing it would mislead.
        typer.echo(
            "audit keys: error: no signing key is configured; set "
            "AUDITSTREAM_SINK__SIGNING_KEY_FILE (or AUDITSTREAM_SINK__SIGNING_KEY)",
            err=True,
        )
        raise typer.Exit(EXIT_ERROR)
    return load_signer(section)


def _new_public_key(path: Path) -> Keyring:
    """The key to rotate to: a private key file (as the sink takes) or a public PEM."""
    data = path.read_bytes()
    if b"PUBLIC KEY" in data:
        return Keyring.from_pem(data, source=f"--to {str(path)!r}")
    return Keyring.of(Signer.from_bytes(data, source=f"--to {str(path)!r}").public_key)


@app.command(
    "export", epilog="Example: audit keys export > sink.pub && audit verify --key sink.pub"
)
def export_key() -> None:
    """Print the sink's public key (PEM) for `audit verify --key` and keyring files."""
    try:
        signer = _configured_signer(load_sink_settings().sink)
    except AuditstreamError as exc:
        typer.echo("audit keys: error: " + " ".join(str(exc).split()), err=True)
        raise typer.Exit(EXIT_ERROR) from exc
    typer.echo(public_key_pem(signer.public_key).decode(), nl=False)
    typer.echo(f"key id {signer.key_id}", err=True)


@app.command("rotate", epilog="Example: audit keys rotate --to new-sink.key")
def rotate(
    *,
    to: Annotated[
        Path,
        typer.Option(
            "--to",
            exists=True,
            dir_okay=False,
            help="The new key: its private key file (as the sink takes it) or public PEM.",
        ),
    ],
) -> None:
    """Store a rotation record, signed by the configured key, that trusts the new key."""
    try:
        settings = load_sink_settings()
        old = _configured_signer(settings.sink)
        (new_id, new_key), *more = _new_public_key(to).keys.items()
        if more or new_id == old.key_id:
            typer.echo(
                "audit keys: error: --to must hold one key other than the current one", err=True
            )
            raise typer.Exit(EXIT_ERROR)
        s3, sink = settings.s3, settings.sink
        writer = open_writer(settings, make_s3_client(s3))
        now = datetime.now(UTC)
        record = KeyRotation.create(old, new_key, rotated_at=now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
        key = rotation_key(s3.prefix, old.key_id, new_id)
        writer.put(
            key, record.to_bytes(), retain_until=now + timedelta(days=sink.retention_period_days)
        )
    except ObjectExistsError:
        typer.echo(f"the rotation from {old.key_id} to {new_id} is already stored", err=True)
        return
    except AuditstreamError as exc:
        typer.echo("audit keys: error: " + " ".join(str(exc).split()), err=True)
        raise typer.Exit(EXIT_ERROR) from exc
    typer.echo(
        f"stored {key}: key {old.key_id} hands trust to {new_id}; now set the sink's "
        "signing key to the new key and restart the workers"
    )
