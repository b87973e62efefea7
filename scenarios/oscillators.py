"""Helpers for oscillator scenarios: phase coherence, glow colours.

Kept apart from the fireflies model so the maths can be checked against
theory on its own (R of equal phases is 1, of evenly spread phases is 0).
"""

from __future__ import annotations

import numpy as np


def order_parameter(phases: np.ndarray, period: float) -> float:
    """Kuramoto's R = |mean(exp(i*theta))| with theta = 2*pi*phase/period.

    1 when every oscillator is at the same phase, near 0 when phases are
    spread evenly, about 1/sqrt(N) for N independent uniform phases.
    """
    if phases.size == 0:
        return 0.0
    theta = phases * (2.0 * np.pi / period)
    return float(np.hypot(np.cos(theta).mean(), np.sin(theta).mean()))


def glow_levels(age: np.ndarray, flash: float, afterglow: float, levels: int) -> np.ndarray:
    """Quantised brightness step per cell from the time since its last flash.

    0 while flashing, 1..levels while the afterglow fades (``afterglow``
    seconds split into ``levels`` equal steps), ``levels + 1`` when dark.
    ``age`` may hold ``inf`` for cells that never flashed.
    """
    out = np.full(age.shape, levels + 1, dtype=np.intp)
    out[age < flash] = 0
    if afterglow > 0 and levels > 0:
        fading = (age >= flash) & (age < flash + afterglow)
        step = afterglow / levels
        out[fading] = 1 + np.minimum(((age[fading] - flash) / step).astype(np.intp), levels - 1)
    return out


def glow_palette(bright: tuple[int, int, int], dark: tuple[int, int, int], levels: int) -> np.ndarray:
    """Colours for ``glow_levels``: bright, then ``levels`` fading steps, then dark."""
    weights = np.linspace(1.0, 0.0, levels + 2)[:, None]
    rgb = weights * np.array(bright, dtype=float) + (1.0 - weights) * np.array(dark, dtype=float)
    return np.rint(rgb).astype(np.uint8)
