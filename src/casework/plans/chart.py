"""A small server-rendered SVG line chart: nothing loaded from the internet."""

from __future__ import annotations

from datetime import date

from markupsafe import Markup, escape

from casework.web.numbers import number

WIDTH, HEIGHT, PAD = 640, 220, 36


def month_ends(start: date, end: date) -> list[date]:
    """The last day of each month from ``start`` to ``end``, and ``end`` itself."""
    days = []
    year, month = start.year, start.month
    while True:
        nxt = date(year + (month == 12), month % 12 + 1, 1)
        last = date.fromordinal(nxt.toordinal() - 1)
        if last >= end:
            break
        if last >= start:
            days.append(last)
        year, month = nxt.year, nxt.month
    days.append(end)
    return days


def line_chart(points: list[tuple[date, float]], target: float | None, title: str) -> Markup:
    """An accessible SVG of ``points`` (date, value) with an optional target line."""
    if not points:
        return Markup("")
    top = max([v for _, v in points] + ([target] if target else []) + [1])
    span_x = max(1, len(points) - 1)

    def x(i: int) -> float:
        return PAD + (WIDTH - 2 * PAD) * i / span_x

    def y(v: float) -> float:
        return HEIGHT - PAD - (HEIGHT - 2 * PAD) * v / top

    path = " ".join(f"{'M' if i == 0 else 'L'}{x(i):.1f},{y(v):.1f}"
                    for i, (_, v) in enumerate(points))
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" '
        'class="axis"/>',
    ]
    if target:
        parts.append(f'<line x1="{PAD}" y1="{y(target):.1f}" x2="{WIDTH - PAD}" '
                     f'y2="{y(target):.1f}" class="target"/>')
        parts.append(f'<text x="{WIDTH - PAD}" y="{y(target) - 4:.1f}" text-anchor="end" '
                     f'class="label">{number(target)}</text>')
    parts.append(f'<path d="{path}" class="line"/>')
    for i, (day, v) in enumerate(points):
        parts.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3" class="dot">'
                     f"<title>{day.strftime('%d/%m/%Y')}: {number(v)}</title></circle>")
    for i in (0, len(points) - 1):
        day = points[i][0]
        parts.append(f'<text x="{x(i):.1f}" y="{HEIGHT - PAD + 16}" text-anchor="middle" '
                     f'class="label">{day.strftime("%m/%Y")}</text>')
    parts.append(f'<text x="{PAD - 6}" y="{y(top):.1f}" text-anchor="end" class="label">'
                 f"{number(top)}</text>")
    parts.append("</svg>")
    return Markup("".join(parts))
