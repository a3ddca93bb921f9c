"""The Helm chart lints, renders valid Kubernetes objects, and agrees with the code.

Runs the Helm binary named by ``AUDITSTREAM_TEST_HELM`` (``.ci/run`` builds it with
``deploy/helm/install-helm.sh`` and sets it, so in CI a missing binary fails these
tests); without the variable they are skipped. The rendered objects are checked with
``kubernetes-validate`` (schemas bundled, offline), then read as specifications: the
variables each worker gets are settings it reads, KEDA watches the consumer groups and
topics the workers use, and the pod's kill deadline comes after the worker's own.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from auditstream.processor.settings import ProcessorSection, ProcessorSettings
from auditstream.schemas.settings import TopicSettings
from auditstream.sink.settings import SinkSection, SinkSettings

CHART = Path(__file__).parents[2] / "deploy" / "helm" / "auditstream"
CI_VALUES = CHART / "ci" / "test-values.yaml"
KEYS_ONLY = ["--set", "keys.hmacKey=" + "k" * 32, "--set", "keys.signingKey=" + "0" * 64]
VALIDATE = Path(sys.executable).with_name("kubernetes-validate")


@pytest.fixture(scope="module")
def helm() -> str:
    path = os.environ.get("AUDITSTREAM_TEST_HELM")
    if not path:
        pytest.skip("AUDITSTREAM_TEST_HELM is not set (.ci/run sets it)")
    assert os.access(path, os.X_OK), f"AUDITSTREAM_TEST_HELM={path} is not an executable"
    return path


def _run(*args: str | Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args],
        check=False,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _render(helm: str, *values: str) -> str:
    done = _run(helm, "template", "audit", CHART, "--namespace", "audit", *values)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _objects(rendered: str) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(rendered) if doc]


def _one(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    found = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind} {name}: {len(found)} rendered"
    return found[0]


def _env(deployment: dict[str, Any]) -> dict[str, Any]:
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container["env"]}


def _reads(settings: type[ProcessorSettings | SinkSettings], variable: str) -> bool:
    """Whether ``AUDITSTREAM_<SECTION>__<FIELD>`` names a field of the role's settings."""
    section, _, field = variable.removeprefix("AUDITSTREAM_").lower().partition("__")
    model = settings.model_fields.get(section)
    return model is not None and field in model.annotation.model_fields  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def ci_objects(helm: str) -> list[dict[str, Any]]:
    return _objects(_render(helm, "--values", str(CI_VALUES)))


class TestChartChecks:
    def test_helm_lint_passes(self, helm: str) -> None:
        done = _run(helm, "lint", "--strict", CHART, "--values", CI_VALUES)
        assert done.returncode == 0, done.stdout + done.stderr

    @pytest.mark.parametrize(
        "values", [["--values", str(CI_VALUES)], KEYS_ONLY], ids=["ci-values", "keys-only"]
    )
    def test_rendered_objects_pass_kubernetes_validate(self, helm: str, values: list[str]) -> None:
        rendered = _render(helm, *values)
        done = _run(VALIDATE, "--strict", "-", stdin=rendered)
        assert done.returncode == 0, done.stdout + done.stderr

    def test_missing_keys_fail_the_render_naming_the_values(self, helm: str) -> None:
        done = _run(helm, "template", "audit", CHART)
        assert done.returncode != 0
        assert "keys.existingSecret" in done.stderr


class TestWorkers:
    @pytest.mark.parametrize(
        ("stage", "command", "settings"),
        [("processor", "process", ProcessorSettings), ("sink", "sink", SinkSettings)],
    )
    def test_each_stage_runs_its_command_with_variables_it_reads(
        self,
        ci_objects: list[dict[str, Any]],
        stage: str,
        command: str,
        settings: type[ProcessorSettings | SinkSettings],
    ) -> None:
        deployment = _one(ci_objects, "Deployment", f"audit-auditstream-{stage}")
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        assert container["args"][0] == command
        assert container["args"][1:3] == ["--metrics-host", "0.0.0.0"]
        unread = [v for v in _env(deployment) if not _reads(settings, v)]
        assert unread == []

    @pytest.mark.parametrize("stage", ["processor", "sink"])
    def test_the_kill_deadline_comes_after_the_workers_grace(
        self, ci_objects: list[dict[str, Any]], stage: str
    ) -> None:
        deployment = _one(ci_objects, "Deployment", f"audit-auditstream-{stage}")
        grace = float(_env(deployment)[f"AUDITSTREAM_{stage.upper()}__SHUTDOWN_GRACE_S"])
        assert deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] > grace

    @pytest.mark.parametrize("stage", ["processor", "sink"])
    def test_pods_run_unprivileged_on_a_read_only_root(
        self, ci_objects: list[dict[str, Any]], stage: str
    ) -> None:
        pod = _one(ci_objects, "Deployment", f"audit-auditstream-{stage}")["spec"]["template"]
        container = pod["spec"]["containers"][0]
        assert pod["spec"]["securityContext"]["runAsNonRoot"] is True
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
        mounts = {m["mountPath"] for m in container["volumeMounts"]}
        assert "/tmp" in mounts
        probes = {p: container[p]["httpGet"]["path"] for p in ("livenessProbe", "readinessProbe")}
        assert probes == {"livenessProbe": "/healthz", "readinessProbe": "/readyz"}


class TestSchemaRegistry:
    def test_a_configured_registry_reaches_the_processor_with_its_secret_and_ca(
        self, ci_objects: list[dict[str, Any]]
    ) -> None:
        processor = _one(ci_objects, "Deployment", "audit-auditstream-processor")
        env = _env(processor)
        assert env["AUDITSTREAM_SCHEMA_REGISTRY__URL"].startswith("https://registry-0")
        assert env["AUDITSTREAM_SCHEMA_REGISTRY__BASIC_AUTH_PASSWORD"] == {
            "secretKeyRef": {"name": "registry-credentials", "key": "password"}
        }
        cafile = Path(env["AUDITSTREAM_SCHEMA_REGISTRY__SSL_CAFILE"])
        container = processor["spec"]["template"]["spec"]["containers"][0]
        assert str(cafile.parent) in {m["mountPath"] for m in container["volumeMounts"]}
        sink = _one(ci_objects, "Deployment", "audit-auditstream-sink")
        assert not [v for v in _env(sink) if v.startswith("AUDITSTREAM_SCHEMA_REGISTRY__")]

    def test_without_a_url_no_registry_variable_is_set(self, helm: str) -> None:
        objects = _objects(_render(helm, *KEYS_ONLY))
        processor = _one(objects, "Deployment", "audit-auditstream-processor")
        assert not [v for v in _env(processor) if v.startswith("AUDITSTREAM_SCHEMA_REGISTRY__")]

    def test_a_user_without_its_password_secret_fails_the_render(self, helm: str) -> None:
        done = _run(
            helm, "template", "audit", CHART, *KEYS_ONLY,
            "--set", "schemaRegistry.url=https://registry:8081",
            "--set", "schemaRegistry.basicAuthUser=auditstream",
        )  # fmt: skip
        assert done.returncode != 0
        assert "schemaRegistry.credentialsSecret" in done.stderr


class TestAutoscaling:
    @pytest.mark.parametrize(
        ("stage", "group", "topic"),
        [
            ("processor", ProcessorSection().app_id, TopicSettings().raw),
            ("sink", SinkSection().group_id, TopicSettings().redacted),
        ],
    )
    def test_keda_reads_the_lag_of_the_group_the_stage_uses(
        self, ci_objects: list[dict[str, Any]], stage: str, group: str, topic: str
    ) -> None:
        scaled = _one(ci_objects, "ScaledObject", f"audit-auditstream-{stage}")
        trigger = scaled["spec"]["triggers"][0]
        assert trigger["type"] == "kafka"
        assert (trigger["metadata"]["consumerGroup"], trigger["metadata"]["topic"]) == (
            group,
            topic,
        )
        assert scaled["spec"]["scaleTargetRef"]["name"] == f"audit-auditstream-{stage}"
        deployment = _one(ci_objects, "Deployment", f"audit-auditstream-{stage}")
        assert "replicas" not in deployment["spec"]  # the autoscaler owns the count

    def test_keda_authenticates_as_the_stages_principal(
        self, ci_objects: list[dict[str, Any]]
    ) -> None:
        auth = _one(ci_objects, "TriggerAuthentication", "audit-auditstream-sink-kafka")
        refs = {r["parameter"]: (r["name"], r["key"]) for r in auth["spec"]["secretTargetRef"]}
        assert refs["password"] == ("kafka-credentials", "sink-password")
        keda = _one(ci_objects, "Secret", "audit-auditstream-sink-keda-kafka")
        assert keda["stringData"] == {
            "tls": "enable",
            "sasl": "scram_sha512",
            "username": "auditstream-sink",
        }
