"""The analysis view: escapes read as what they stand for, every offset unchanged."""

from __future__ import annotations

import pytest

from auditstream.processor.redaction.layout import analysis_view


@pytest.mark.parametrize(
    ("text", "view"),
    [
        ("Aiko Khan\\n12 Albert Street", "Aiko Khan\n 12 Albert Street"),
        (
            '{\\"name\\": \\"Ana Lima\\", \\"passport\\": \\"IG751895\\"}',
            '{ "name" :  "Ana Lima" ,  "passport" :  "IG751895" }',
        ),
        # An empty string: both quotes close, and the view stays the same length.
        ('{\\"n\\":\\"\\"}', '{ "n" :" " }'),
        ("nothing escaped here", "nothing escaped here"),
    ],
)
def test_escaped_breaks_and_quotes_are_read_as_real_ones(text: str, view: str) -> None:
    assert analysis_view(text) == view
    assert len(analysis_view(text)) == len(text)
