"""One grouped-bar chart as inline SVG (no script, allowed by the CSP), for the fund report and the simulation.

Built from numbers and the callers' fixed labels only. Bar heights are computed in Decimal
(no float in the money path); positions along the axis are plain layout numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from html import escape


def grouped_bars(
    groups: Sequence[tuple[str, Sequence[tuple[Decimal, str, str]]]],
    *,
    width: int,
    height: int,
    css_class: str,
    label_chars: int = 8,
) -> str:
    """Bars side by side per group: `groups` is [(axis label, [(value, colour, tooltip), ...]), ...].

    Every group has the same number of bars; the tallest value fills `height`; a value of
    zero or below draws no height. Returns "" for no groups.
    """
    if not groups:
        return ""
    values = [value for _label, bars in groups for value, _colour, _title in bars]
    top = max(values, default=Decimal(0))
    if top <= 0:
        top = Decimal(1)
    band = width / len(groups)
    per_group = max(len(bars) for _label, bars in groups) or 1
    bar = max(4.0, band * 0.8 / per_group)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height + 30}" role="img" class="{css_class}">'
    ]
    for i, (label, bars) in enumerate(groups):
        x = i * band + band * 0.1
        for j, (value, colour, title) in enumerate(bars):
            h = value / top * height if value > 0 else Decimal(0)
            parts.append(
                f'<rect x="{x + j * bar:.1f}" y="{height - h:.1f}" width="{bar - 2:.1f}" height="{h:.1f}" '
                f'fill="{colour}"><title>{escape(title)}</title></rect>'
            )
        parts.append(
            f'<text x="{x:.1f}" y="{height + 16}" font-size="11">{escape(label[:label_chars])}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
