"""Small charts rendered on the server as inline SVG (our own markup: no script, no CDN). Every text is
escaped; each chart carries a <title> and a table-like <desc> so screen readers get the figures too."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 640
LABEL_CHARS = 34  # a longer label is shortened on the bar; its full text stays in the <title>


@dataclass(frozen=True)
class Column:
    label: str
    value: float | None  # 0..1
    caption: str = ""  # under the label, e.g. "3/4"


@dataclass(frozen=True)
class Segment:
    value: float
    css: str  # class of the <rect>, styled in app.css


@dataclass(frozen=True)
class Bar:
    label: str
    segments: tuple[Segment, ...]
    text: str  # written after the bar


def _svg(width: int, height: int, title: str, desc: str, body: list[str]) -> Markup:
    return Markup(
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMinYMin meet">'
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>{''.join(body)}</svg>"
    )


def _short(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def rate_columns(columns: list[Column], title: str, empty: str) -> Markup:
    """One column per item (e.g. month) whose height is a share from 0 to 100%, labelled with its percentage."""
    top, plot, bottom, left = 18, 170, 44, 40
    height = top + plot + bottom
    step = (WIDTH - left) / max(len(columns), 1)
    bar = min(56.0, step * 0.6)
    body = []
    for pct in (0, 50, 100):
        y = top + plot * (1 - pct / 100)
        body.append(f'<line class="grid" x1="{left}" y1="{y:.1f}" x2="{WIDTH}" y2="{y:.1f}"/>'
                    f'<text class="axis" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{pct}%</text>')
    for i, column in enumerate(columns):
        cx = left + step * i + step / 2
        if column.value is not None:
            h = plot * max(0.0, min(1.0, column.value))
            y = top + plot - h
            body.append(f'<rect class="bar ok" x="{cx - bar / 2:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}">'
                        f"<title>{escape(column.label)}: {column.value:.1%}</title></rect>")
            body.append(f'<text class="value" x="{cx:.1f}" y="{y - 4:.1f}" text-anchor="middle">'
                        f"{column.value:.0%}</text>")
        else:
            body.append(f'<text class="value muted" x="{cx:.1f}" y="{top + plot - 4}" text-anchor="middle">'
                        f"{escape(empty)}</text>")
        body.append(f'<text class="label" x="{cx:.1f}" y="{top + plot + 16}" text-anchor="middle">'
                    f"{escape(column.label)}</text>")
        if column.caption:
            body.append(f'<text class="caption" x="{cx:.1f}" y="{top + plot + 32}" text-anchor="middle">'
                        f"{escape(column.caption)}</text>")
    desc = "; ".join(f"{c.label}: {'—' if c.value is None else f'{c.value:.1%}'} {c.caption}".strip() for c in columns)
    return _svg(WIDTH, height, title, desc, body)


def bars(items: list[Bar], title: str, empty: str, width: int = WIDTH) -> Markup:
    """Horizontal bars, one per item, each made of segments drawn from zero (a larger segment first, so a
    smaller one drawn over it shows as a part of it), the figures written after the bar."""
    if not items:
        return Markup(f'<p class="empty">{escape(empty)}</p>')
    row, top = 26, 6
    label_w, text_w = round(width * 0.4), 150
    plot, label_chars = width - label_w - text_w, round(LABEL_CHARS * width / WIDTH)
    largest = max((s.value for item in items for s in item.segments), default=0) or 1
    body = []
    for i, item in enumerate(items):
        y = top + i * row
        body.append(f'<text class="label" x="{label_w - 8}" y="{y + 15}" text-anchor="end">'
                    f"<title>{escape(item.label)}</title>{escape(_short(item.label, label_chars))}</text>")
        for segment in sorted(item.segments, key=lambda s: -s.value):
            w = plot * segment.value / largest
            body.append(f'<rect class="bar {escape(segment.css)}" x="{label_w}" y="{y + 3}" width="{w:.1f}" '
                        f'height="{row - 8}"/>')
        body.append(f'<text class="value" x="{label_w + plot + 8}" y="{y + 15}">{escape(item.text)}</text>')
    desc = "; ".join(f"{item.label}: {item.text}" for item in items)
    return _svg(width, top * 2 + row * len(items), title, desc, body)
