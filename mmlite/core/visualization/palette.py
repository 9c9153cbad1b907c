"""Class colour palettes (mmdet.core.visualization's ``get_palette`` and ``palette_val``)."""
from __future__ import annotations

from ...image.visualization import palette_colors


def palette_val(palette: list) -> list[tuple[float, ...]]:
    """The palette's colours with channels scaled to ``[0, 1]``."""
    return [tuple(c / 255 for c in color) for color in palette]


def get_palette(palette, num_classes: int) -> list[tuple[int, int, int]]:
    """``num_classes`` RGB colours: from a list, one tuple for all, ``'random'``/None (a fixed random
    palette), a data set's palette (``'coco'``, ``'voc'``, ``'citys'``) or a colour name."""
    return palette_colors(palette, num_classes)
