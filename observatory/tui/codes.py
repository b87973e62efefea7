"""Cell colours as small ints (numpy, no UI)."""

from __future__ import annotations

import numpy as np


def pack(colors: np.ndarray) -> np.ndarray:
    """RGB uint8 (..., 3) -> 15-bit ints, 32 levels per channel (int32)."""
    q = colors.astype(np.int32) >> 3
    return (q[..., 0] << 10) | (q[..., 1] << 5) | q[..., 2]


def unpack(code: int) -> tuple[int, int, int]:
    """15-bit colour -> RGB, spreading 32 levels over 0..255."""
    r, g, b = (code >> 10) & 31, (code >> 5) & 31, code & 31
    return ((r << 3) | (r >> 2), (g << 3) | (g >> 2), (b << 3) | (b >> 2))

