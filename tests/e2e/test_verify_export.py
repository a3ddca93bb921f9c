"""audit verify and audit export on an archive written by the real sink.

The live bucket is write-once, so tampering happens where an attacker could do it: on a
downloaded copy or an exported evidence package. Each kind of tampering must produce a
specific, readable failure and a non-zero exit.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from auditstream.archive.manifest import Manifest
from auditstream.archive.signing import Signer
from auditstream.auditor.export import export_evidence
from auditstream.auditor.settings import AuditorSettings
from auditstream.producer import AuditClient, ClientConfig
from support.pipeline import TEST_SIGNING_KEY, PipelineUnderTest
from support.wait import wait_until

pytestmark = pytest.mark.integration

BATCHES = 3
PER_BATCH = 30


def _verify(package: Path | None, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    where = ["--offline", str(package)] if package is not None else []
    # The test's own environment (PYTHONPATH included, so the command is this checkout's
    # code, not whichever one the interpreter installed) with only the given settings.
    base = {k: v for k, v in os.environ.items() if not k.startswith("AUDITSTREAM_")}
    return subprocess.run(
        [sys.executable, "-m", "auditstream.cli.main", "verify", *where],
        capture_output=True,
        text=True,
        env=base | env,
        check=False,
        timeout=120,
    )


def _manifests(package: Path) -> dict[int, list[Path]]:
    chains: dict[int, list[Path]] = {}
    for path in sorted((package / "archive").rglob("manifests/v1/p*/*.json")):
        chains.setdefault(int(path.parent.name.removeprefix("p")), []).append(path)
    return chains


@pytest.fixture
def package(pipeline: PipelineUnderTest, tmp_path: Path) -> Path:
    """An evidence package over an archive with several manifests per partition."""
    pipeline.extra_env["AUDITSTREAM_SINK__DIGEST_INTERVAL_S"] = "2"
    pipeline.start("process")
    pipeline.start("sink")
    client = AuditClient(
        ClientConfig(
            bootstrap_servers=pipeline.stack.bootstrap_servers,
            topic=pipeline.raw,
            service_name="svc",
            spool_dir=str(tmp_path / "spool"),
        )
    )
    for batch in range(BATCHES):
        for i in range(PER_BATCH):
            client.tool_call("lookup", input=f"{batch}-{i}", tenant_id="acme", user_id="u1")
        assert client.flush(30) == 0
        wait_until(
            lambda n=(batch + 1) * PER_BATCH: len(pipeline.archived_rows()) >= n,
            timeout_s=180,
            interval_s=1,
            what="the batch archived",
            describe=pipeline.logs,
        )
    client.close()
    os.environ.update(pipeline.env)
    settings = AuditorSettings()
    # A digest written after the last flush covers the final chain heads.
    wait_until(
        lambda: any(
            max(int(h["seq"]) for h in json.loads(o["Body"].read())["heads"]) >= 0
            for o in [
                pipeline.s3().get_object(Bucket=pipeline.stack.bucket, Key=k["Key"])
                for k in pipeline.s3()
                .list_objects_v2(Bucket=pipeline.stack.bucket, Prefix=f"{pipeline.prefix}digests/")
                .get("Contents", [])[-1:]
            ]
        ),
        timeout_s=60,
        what="a digest",
        describe=pipeline.logs,
    )
    out = tmp_path / "package"
    summary = export_evidence(out, settings=settings, tenant="acme")
    assert summary.events == BATCHES * PER_BATCH
    assert summary.verified
    return out


class TestVerifyExport:
    def test_untouched_package_verifies_offline(
        self, package: Path, pipeline: PipelineUnderTest
    ) -> None:
        """The recipient's check passes on the package as exported, anchored by the keyring
        that holds the sink's and the exporter's public keys; without it, exit 3."""
        result = _verify(package, pipeline.env)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "VERIFIED" in result.stdout
        bare = {k: v for k, v in pipeline.env.items() if k != "AUDITSTREAM_TRUST__KEYS"}
        assert _verify(package, bare).returncode == 3
        rows = [json.loads(line) for line in (package / "events.jsonl").read_text().splitlines()]
        assert len(rows) == BATCHES * PER_BATCH
        assert json.loads((package / "verification.json").read_text())["ok"] is True

    def test_each_kind_of_tampering_fails_with_a_specific_finding(
        self, package: Path, pipeline: PipelineUnderTest, tmp_path: Path
    ) -> None:
        """Changed object, deleted manifest, bad signature, position gap, removed head, and
        edited, deleted, re-ided or added rows of the events file; with and without a keyring."""
        chains = _manifests(package)
        partition, chain = next((p, c) for p, c in chains.items() if len(c) >= 2)
        objects = json.loads((package / "package.json").read_text())["objects"]

        def tampered(name: str) -> Path:
            copy = tmp_path / name
            shutil.copytree(package, copy)
            return copy

        cases: dict[str, tuple[Path, str]] = {}

        copy = tampered("object")
        target = copy / "archive" / objects[0]
        data = bytearray(target.read_bytes())
        data[len(data) // 2] ^= 0xFF
        target.write_bytes(bytes(data))
        cases["object"] = (copy, objects[0].rsplit("/", 1)[-1])

        copy = tampered("deleted-manifest")
        (copy / chain[0].relative_to(package)).unlink()
        cases["deleted manifest"] = (copy, "linkage")

        copy = tampered("signature")
        path = copy / chain[-1].relative_to(package)
        raw = json.loads(path.read_text())
        raw["records"] = raw["records"] + 1  # the signature no longer covers the content
        path.write_text(json.dumps(raw))
        cases["bad signature"] = (copy, "signature")

        copy = tampered("gap")
        path = copy / chain[-1].relative_to(package)
        manifest = Manifest.from_bytes(path.read_bytes(), key=str(path))
        gapped = Manifest.from_bytes(
            manifest.to_bytes().replace(
                f'"position_before":{manifest.position_before}'.encode(),
                f'"position_before":{manifest.position_before + 5}'.encode(),
            ),
            key=str(path),
        )
        signer = Signer.from_bytes(TEST_SIGNING_KEY.encode(), source="test key")
        path.write_bytes(gapped.signed(signer).to_bytes())
        cases["position gap"] = (copy, "position")

        copy = tampered("removed-head")
        (copy / chain[-1].relative_to(package)).unlink()
        cases["removed newest manifest"] = (copy, "digest")

        events = (package / "events.jsonl").read_text().splitlines()

        def rows_changed(name: str, lines: list[str]) -> Path:
            copy = tampered(name)
            (copy / "events.jsonl").write_text("\n".join(lines) + "\n")
            return copy

        edited = json.loads(events[0])
        edited["action"] = "something.else"
        cases["edited row"] = (
            rows_changed("edited", [json.dumps(edited), *events[1:]]),
            "1 rows differ from the archived rows",
        )
        cases["deleted row"] = (
            rows_changed("deleted", events[1:]),
            "1 archived events of the selection are missing from the events file",
        )
        reided = json.loads(events[0])
        reided["event_id"] = "00000000-0000-4000-8000-000000000000"
        cases["re-ided row"] = (
            rows_changed("reided", [json.dumps(reided), *events[1:]]),
            "1 rows are not archived events of the selection",
        )
        cases["added row"] = (
            rows_changed("added", [*events, json.dumps(reided)]),
            "1 rows are not archived events of the selection",
        )

        copy = tampered("package-json")
        description = json.loads((copy / "package.json").read_text())
        description["objects"] = description["objects"][1:]
        (copy / "package.json").write_text(json.dumps(description))
        cases["fixed-up package.json"] = (
            copy,
            "package.json: changed since the package was sealed",
        )

        copy = tampered("digest")
        digest = sorted((copy / "archive").rglob("digests/v1/*.json"))[-1]
        digest.unlink()
        cases["deleted digest"] = (
            copy,
            f"{digest.relative_to(copy).as_posix()}: sealed but missing from the package",
        )

        copy = tampered("added-file")
        (copy / "archive" / "note.txt").write_text("trust me")
        cases["added file"] = (copy, "archive/note.txt: in the package but not sealed")

        # The row: drop the newest manifest of a chain, its objects and their rows,
        # fix package.json to match, and delete the digest that names the manifest.
        copy = tampered("truncated")
        head = copy / chain[-1].relative_to(package)
        dropped = [o["key"] for o in json.loads(head.read_text())["objects"]]
        head.unlink()
        dropped_ids: set[str] = set()
        for key in dropped:
            if (copy / "archive" / key).exists():
                table = pq.read_table(copy / "archive" / key)
                dropped_ids.update(str(i) for i in table.column("event_id").to_pylist())
                (copy / "archive" / key).unlink()
        kept = [line for line in events if json.loads(line)["event_id"] not in dropped_ids]
        (copy / "events.jsonl").write_text("\n".join(kept) + "\n")
        description = json.loads((copy / "package.json").read_text())
        description["objects"] = [o for o in description["objects"] if o not in dropped]
        description["event_ids"] = [e for e in description["event_ids"] if e not in dropped_ids]
        (copy / "package.json").write_text(json.dumps(description))
        for digest_path in (copy / "archive").rglob("digests/v1/*.json"):
            heads = json.loads(digest_path.read_text())["heads"]
            if any(h["partition"] == partition and h["seq"] == len(chain) - 1 for h in heads):
                digest_path.unlink()
        cases["truncated chain, package fixed up"] = (copy, "sealed but missing from the package")

        copy = tampered("unsealed")
        (copy / "package.seal.json").unlink()
        cases["seal removed"] = (copy, "the package is not sealed")

        # Without its description a package must not pass as a plain archive copy (one
        # with no chain at its root), with or without its seal.
        copy = tampered("undescribed")
        (copy / "package.json").unlink()
        cases["package.json removed"] = (copy, "package.json: missing, or not a package")
        copy = tampered("stripped")
        for name in ("package.json", "package.seal.json", "exporter.pub"):
            (copy / name).unlink()
        cases["package.json, seal and key removed"] = (copy, "no manifest chain")

        # Without a keyring the package's own keys are trusted: still never VERIFIED.
        bare = {k: v for k, v in pipeline.env.items() if k != "AUDITSTREAM_TRUST__KEYS"}
        for name, (copy, expected) in cases.items():
            for env in (pipeline.env, bare):
                result = _verify(copy, env)
                assert result.returncode == 1, f"{name}: {result.stdout}{result.stderr}"
                assert "FAILED" in result.stdout, name
                assert expected in result.stdout, (
                    f"{name}: expected {expected!r} in\n{result.stdout}"
                )
        assert partition in chains
