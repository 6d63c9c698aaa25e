"""The plan's indicators and their charts (SVG drawn here: no script, no chart library).

Charts use SVG presentation attributes and CSS classes only (the CSP allows no inline styles);
every label is escaped. Each chart has a <title> and the same numbers are in a table beside it,
for screen readers and for copying.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape


@dataclass(frozen=True)
class Month:
    month: str  # yyyy-mm
    docs: int
    pages: int
    signed: int
    avg_seconds: float | None
    review: int

    @property
    def label(self) -> str:
        year, _, mon = self.month.partition("-")
        return f"{mon}/{year}" if mon else self.month

    @property
    def signed_share(self) -> float:
        return 100.0 * self.signed / self.docs if self.docs else 0.0

    @property
    def seconds_per_page(self) -> float | None:
        if self.avg_seconds is None or not self.pages:
            return None
        return self.avg_seconds * self.docs / self.pages


@dataclass(frozen=True)
class Indicators:
    documents: int
    pages: int
    signed: int
    avg_seconds: float | None
    seconds_per_page: float | None
    review: int
    quarantined: int
    duplicates: int
    queued: int
    processing: int
    classified: int | None  # None: not shown to this user
    classified_review: int | None
    months: list[Month] = field(default_factory=list)

    @property
    def signed_share(self) -> float:
        return 100.0 * self.signed / self.documents if self.documents else 0.0


def _months(rows: list[dict[str, Any]]) -> list[Month]:
    out = []
    for r in rows:
        if not r.get("month"):
            continue
        out.append(Month(str(r["month"]), int(r.get("docs") or 0), int(r.get("pages") or 0),
                         int(r.get("signed") or 0),
                         float(r["avg_seconds"]) if r.get("avg_seconds") is not None else None,
                         int(r.get("review") or 0)))
    return out


def indicators(service: Any, *, show_classified: bool) -> Indicators:
    catalog = service.archive.catalog
    months = _months(catalog.monthly())
    docs = sum(m.docs for m in months)
    pages = sum(m.pages for m in months)
    timed = [m for m in months if m.avg_seconds is not None]
    total_seconds = sum((m.avg_seconds or 0.0) * m.docs for m in timed)
    timed_docs = sum(m.docs for m in timed)
    timed_pages = sum(m.pages for m in timed)
    queue = service.queue.counts()
    vault = service.archive.vault_catalog
    return Indicators(
        documents=docs,
        pages=pages,
        signed=sum(m.signed for m in months),
        avg_seconds=total_seconds / timed_docs if timed_docs else None,
        seconds_per_page=total_seconds / timed_pages if timed_pages else None,
        review=sum(m.review for m in months),
        quarantined=catalog.quarantine_count(),
        duplicates=catalog.duplicate_count(),
        queued=queue.get("queued", 0),
        processing=queue.get("processing", 0),
        classified=vault.count() if show_classified else None,
        classified_review=len(vault.documents(review=True)) if show_classified else None,
        months=months[-24:],
    )


def bar_chart(labels: list[str], values: list[float], *, title: str, value_text: list[str],
              css: str = "", max_value: float | None = None) -> Markup:
    """A vertical bar chart: one bar per label, the value written above it."""
    width, height, pad_left, pad_bottom, pad_top = 480, 220, 8, 38, 26
    n = max(1, len(values))
    top = max_value if max_value is not None else max([*values, 0.0])
    top = top or 1.0
    slot = (width - pad_left * 2) / n
    bar_w = max(4.0, min(48.0, slot * 0.6))
    plot_h = height - pad_bottom - pad_top
    parts = [
        f'<svg class="chart {escape(css)}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" preserveAspectRatio="xMidYMid meet" '
        'xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<line class="axis" x1="{pad_left}" y1="{height - pad_bottom}" '
        f'x2="{width - pad_left}" y2="{height - pad_bottom}" stroke="#8a93a0" />',
    ]
    label_every = max(1, (n + 7) // 8)  # at most eight month labels stay readable
    for i, (label, value, text) in enumerate(zip(labels, values, value_text, strict=True)):
        h = plot_h * max(0.0, value) / top
        x = pad_left + slot * i + (slot - bar_w) / 2
        y = height - pad_bottom - h
        cx = x + bar_w / 2
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
            f'fill="#a3151b"><title>{escape(label)}: {escape(text)}</title></rect>'
        )
        if n <= 12:  # more values would overlap; the table beside the chart has them all
            parts.append(f'<text class="value" x="{cx:.1f}" y="{y - 5:.1f}" text-anchor="middle" '
                         f'font-size="16" fill="#1d232b">{escape(text)}</text>')
        if i % label_every == 0:
            parts.append(f'<text class="label" x="{cx:.1f}" y="{height - pad_bottom + 22}" '
                         f'text-anchor="middle" font-size="15" fill="#4f5866">'
                         f"{escape(label)}</text>")
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped above
