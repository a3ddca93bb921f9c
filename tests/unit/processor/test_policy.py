"""The redaction policy file: the default loads, bad files fail at start with a reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditstream.processor.errors import PolicyError
from auditstream.processor.redaction.policy import FieldAction, load_policy, string_field_paths


class TestDefaultPolicy:
    def test_default_policy_covers_every_string_field(self) -> None:
        """Each string field of the schema has an action in the shipped policy."""
        policy = load_policy()
        assert set(policy.fields) == string_field_paths()

    def test_user_id_is_pseudonymized_and_prompts_are_scanned(self) -> None:
        """The defaults protect identities and free text."""
        policy = load_policy()
        assert policy.fields["actor.user_id"] is FieldAction.PSEUDONYMIZE
        assert policy.fields["llm.prompt"] is FieldAction.SCAN
        assert policy.fields["actor.ip_address"] is FieldAction.MASK


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    return path


def _default_text() -> str:
    return (
        Path(__file__).parents[3]
        / "stream_processors/auditstream/processor/redaction/default_policy.yaml"
    ).read_text()


class TestBadPolicies:
    def test_yaml_syntax_error_names_the_line(self, tmp_path: Path) -> None:
        """A syntax error reports its line number."""
        with pytest.raises(PolicyError, match=r"line \d+: not valid YAML"):
            load_policy(_write(tmp_path, "policy_version: '1'\nfields:\n  a: [unclosed\n"))

    def test_unknown_action_is_rejected(self, tmp_path: Path) -> None:
        """An action outside the closed set fails and names the field."""
        text = _default_text().replace("llm.prompt: scan", "llm.prompt: obliterate")
        with pytest.raises(PolicyError, match=r"llm\.prompt"):
            load_policy(_write(tmp_path, text))

    def test_uncovered_string_field_is_rejected(self, tmp_path: Path) -> None:
        """Leaving a string field out fails, so no field is archived unreviewed."""
        text = _default_text().replace("  tool.output: scan\n", "")
        with pytest.raises(PolicyError, match=r"tool\.output"):
            load_policy(_write(tmp_path, text))

    def test_field_the_schema_lacks_is_rejected(self, tmp_path: Path) -> None:
        """A typo in a field path fails instead of silently doing nothing."""
        text = _default_text() + "  llm.promt: drop\n"
        text = text.replace("tenants: {}\n", "") + "tenants: {}\n"
        with pytest.raises(PolicyError, match="promt"):
            load_policy(_write(tmp_path, text))

    def test_unknown_top_level_key_is_rejected(self, tmp_path: Path) -> None:
        """Extra keys are errors, not ignored."""
        with pytest.raises(PolicyError, match="colour"):
            load_policy(_write(tmp_path, _default_text() + "colour: blue\n"))

    def test_missing_file_is_reported(self, tmp_path: Path) -> None:
        """An unreadable file is a PolicyError naming the path."""
        with pytest.raises(PolicyError, match=r"nope\.yaml"):
            load_policy(tmp_path / "nope.yaml")
