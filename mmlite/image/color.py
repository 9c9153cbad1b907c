"""mmcv's colour names: ``Color`` (BGR values) and ``color_val``."""
from __future__ import annotations

from enum import Enum

import numpy as np

from ..utils import is_str


class Color(Enum):
    """Named colours as BGR tuples (OpenCV's channel order, as mmcv)."""

    red = (0, 0, 255)
    green = (0, 255, 0)
    blue = (255, 0, 0)
    cyan = (255, 255, 0)
    yellow = (0, 255, 255)
    magenta = (255, 0, 255)
    white = (255, 255, 255)
    black = (0, 0, 0)


def color_val(color) -> tuple:
    """A BGR tuple from a colour name, a ``Color``, a 3-tuple or array of 0-255 values, or one int (grey)."""
    if is_str(color):
        if color not in Color.__members__:
            raise ValueError(f'unknown colour name {color!r}; use one of {list(Color.__members__)}')
        return Color[color].value
    if isinstance(color, Color):
        return color.value
    if isinstance(color, tuple):
        if len(color) != 3 or not all(isinstance(c, (int, np.integer)) and 0 <= c <= 255 for c in color):
            raise ValueError(f'a colour tuple needs three ints in [0, 255], got {color!r}')
        return color
    if isinstance(color, (int, np.integer)):
        if not 0 <= color <= 255:
            raise ValueError(f'a grey level must be in [0, 255], got {color}')
        return color, color, color
    if isinstance(color, np.ndarray):
        if color.ndim != 1 or color.size != 3 or not ((color >= 0) & (color <= 255)).all():
            raise ValueError(f'a colour array needs three values in [0, 255], got {color!r}')
        return tuple(color.astype(np.uint8))
    raise TypeError(f'Invalid type for color: {type(color)}')
