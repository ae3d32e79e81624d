"""A table that becomes a list of cards on a phone.

Under 640 px each row stacks its cells, each under its column's name (the cell's
``data_label``), so nothing hides off to the side of a 360 px screen. Only the layout changes:
the markup stays a table for screen readers. Give the table's box ``class_name`` and include
``stacked_on_phones(class_name)`` once beside it.
"""

from __future__ import annotations

import reflex as rx


def stacked_on_phones(class_name: str) -> rx.Component:
    t = "." + class_name
    return rx.el.style(
        f"""
@media (max-width: 640px) {{
  {t} thead {{ position: absolute; width: 1px; height: 1px; overflow: hidden;
    clip: rect(0 0 0 0); white-space: nowrap; }}
  /* Radix gives the table a height of 0 (it grows as a table, not as a block) */
  {t} table, {t} tbody {{ display: block; width: 100%; height: auto; }}
  {t} tr {{ display: grid; gap: 8px; padding: 12px; height: auto;
    border-bottom: 1px solid var(--gray-a5); }}
  {t} tr > th, {t} tr > td {{ display: block; height: auto; padding: 0; box-shadow: none;
    min-width: 0; }}
  {t} tr > td > * {{ min-width: 0 !important; }}  /* the desktop columns' widths */
  {t} td[data-label]::before {{ content: attr(data-label); display: block;
    font-size: 12px; color: var(--gray-11); }}
}}
"""
    )
