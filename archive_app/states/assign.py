"""Setting a State's vars only where the value changes.

Reflex takes every var a handler assigns as changed, even to the value it already holds: the var
is sent to the browser again, and its state is pickled and written back to the state store
(Redis when scaled out) when the event ends. Page loads put many vars back to values they almost
always hold already (a wizard closed, an error cleared, the viewer's name), so they set them
through :func:`set_changed`, and an unchanged state costs nothing to load again.
"""

from __future__ import annotations

from typing import Any


def set_changed(state: Any, **values: Any) -> None:
    """``setattr(state, name, value)`` for each value that differs from the state's."""
    for name, value in values.items():
        if getattr(state, name) != value:
            setattr(state, name, value)
