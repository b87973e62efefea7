"""The Textual face of observatory: a live grid, panels and keys over one run."""

from observatory.tui.app import ObservatoryApp
from observatory.tui.session import run_tui

__all__ = ["ObservatoryApp", "run_tui"]
