"""audit report's drawing: a real PNG and an HTML page that escapes what it shows."""

from __future__ import annotations

from datetime import UTC, datetime

from auditstream.auditor.report import ReportData
from auditstream.auditor.report_render import render_html, render_png

H0 = datetime(2026, 11, 26, 9, tzinfo=UTC)
H1 = datetime(2026, 11, 26, 10, tzinfo=UTC)
DATA = ReportData(
    by_hour=[(H0, "AUTH", 3), (H0, "LLM_REQUEST", 5), (H1, "AUTH", 2)],
    redactions=[("EMAIL_ADDRESS", 7), ("<script>", 1)],
    delay=[(H0, 0.5, 2.0, 8), (H1, 0.4, 1.0, 2)],
)


class TestRenderPng:
    def test_charts_are_a_png_image(self) -> None:
        """The output starts with the PNG signature and is more than a blank header."""
        png = render_png(DATA, title="t")
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        assert len(png) > 10_000

    def test_an_empty_archive_still_draws(self) -> None:
        """No events gives empty charts, not an exception."""
        assert render_png(ReportData([], [], []), title="empty")[:4] == b"\x89PNG"


class TestRenderHtml:
    def test_page_embeds_the_image_and_escapes_table_values(self) -> None:
        """Values from the archive cannot inject markup into the page."""
        page = render_html(DATA, title="Report <x>", png=b"\x89PNGfake")
        assert "data:image/png;base64," in page
        assert "<script>" not in page
        assert "&lt;script&gt;" in page
        assert "10 archived events" in page
