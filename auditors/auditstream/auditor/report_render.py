"""Draw ``audit report`` figures as a PNG, and wrap them in a self-contained HTML page.

matplotlib runs headless (the Agg backend) and is imported only here, so the other
auditor commands never load it.
"""

from __future__ import annotations

import base64
import html
import io
from collections import defaultdict
from datetime import datetime

from auditstream.auditor.report import ReportData

FIGURE_SIZE_IN = (11.0, 11.0)
DPI = 110


def render_png(data: ReportData, *, title: str) -> bytes:
    """Return the three charts as one PNG.

    Args:
        data: The figures.
        title: The heading above the charts.

    Returns:
        PNG bytes.
    """
    import matplotlib as mpl  # noqa: PLC0415 - only the report needs it

    mpl.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    figure, (by_type, redactions, delay) = plt.subplots(3, 1, figsize=FIGURE_SIZE_IN)
    figure.suptitle(title)

    hours = sorted({hour for hour, _, _ in data.by_hour})
    counts: dict[str, dict[datetime, int]] = defaultdict(dict)
    for hour, event_type, n in data.by_hour:
        counts[event_type][hour] = n
    bottom = [0] * len(hours)
    labels = [f"{h:%m-%d %H:00}" for h in hours]
    for event_type in sorted(counts):
        heights = [counts[event_type].get(h, 0) for h in hours]
        by_type.bar(labels, heights, bottom=bottom, label=event_type)
        bottom = [b + v for b, v in zip(bottom, heights, strict=True)]
    by_type.set_title("Events per hour by type")
    by_type.set_ylabel("events")
    by_type.tick_params(axis="x", labelrotation=45)
    if counts:
        by_type.legend(fontsize="small", ncols=3)

    entities = [e for e, _ in data.redactions][::-1]
    redactions.barh(entities, [n for _, n in data.redactions][::-1], color="tab:purple")
    redactions.set_title("Redactions by entity type")
    redactions.set_xlabel("values replaced")

    delay_hours = [f"{h:%m-%d %H:00}" for h, _, _, _ in data.delay]
    delay.plot(delay_hours, [p50 for _, p50, _, _ in data.delay], marker="o", label="p50")
    delay.plot(delay_hours, [p99 for _, _, p99, _ in data.delay], marker="o", label="p99")
    delay.set_title("Pipeline delay per hour (ingest time minus event time)")
    delay.set_ylabel("seconds")
    delay.tick_params(axis="x", labelrotation=45)
    if data.delay:
        delay.legend()

    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    plt.close(figure)
    return buffer.getvalue()


def render_html(data: ReportData, *, title: str, png: bytes) -> str:
    """Return a self-contained HTML page: the charts plus the figures as tables.

    Args:
        data: The figures.
        title: The page title.
        png: The charts from :func:`render_png`.

    Returns:
        The page.
    """

    def table(headers: list[str], rows: list[list[str]]) -> str:
        head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    image = base64.b64encode(png).decode()
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse;margin:1em 0}}
td,th{{border:1px solid #ccc;padding:.3em .6em;text-align:right}}</style></head>
<body><h1>{html.escape(title)}</h1>
<p>{data.total_events} archived events.</p>
<img alt="charts" src="data:image/png;base64,{image}">
<h2>Redactions by entity type</h2>
{table(["entity type", "replaced"], [[e, str(n)] for e, n in data.redactions])}
<h2>Pipeline delay per hour</h2>
{
        table(
            ["hour (UTC)", "p50 s", "p99 s", "events"],
            [[f"{h:%Y-%m-%d %H:00}", f"{a:.3f}", f"{b:.3f}", str(n)] for h, a, b, n in data.delay],
        )
    }
</body></html>
"""
