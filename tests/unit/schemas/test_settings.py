"""Shared settings sections: values as operators write them."""

from __future__ import annotations

import pytest

from auditstream.schemas.settings import DEFAULT_S3_ENDPOINT, S3Settings


class TestS3Settings:
    """The archive bucket's endpoint."""

    @pytest.mark.parametrize("value", ["", "  "])
    def test_empty_endpoint_means_aws(self, value: str) -> None:
        """An empty endpoint is AWS's own (None), not an error."""
        assert S3Settings(endpoint_url=value).endpoint_url is None

    def test_unset_endpoint_is_the_local_stack(self) -> None:
        """Without a value, the local stack's endpoint is the default."""
        assert S3Settings().endpoint_url == DEFAULT_S3_ENDPOINT

    def test_empty_endpoint_from_the_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """AUDITSTREAM_S3__ENDPOINT_URL= builds the auditor's settings with AWS's endpoint."""
        from auditstream.auditor.settings import load_auditor_settings

        monkeypatch.setenv("AUDITSTREAM_S3__ENDPOINT_URL", "")
        assert load_auditor_settings().s3.endpoint_url is None
