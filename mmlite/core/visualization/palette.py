"""Class colour palettes (mmdet.core.visualization's ``get_palette`` and ``palette_val``)."""
from __future__ import annotations

from ...image.visualization import palette_colors


def palette_val(palette: list) -> list[tuple[float, ...]]:
    """The palette's colours with channels scaled to ``[0, 1]``."""
    return [tuple(c / 255 for c in color) for color in palette]


def _dataset_palette(name: str, n: int) -> list:
    from ...datasets import CityscapesDataset, CocoDataset, CocoPanopticDataset, VOCDataset
    palette = {'coco': CocoDataset.PALETTE, 'voc': VOCDataset.PALETTE, 'citys': CityscapesDataset.PALETTE}[name]
    if name == 'coco' and len(palette) < n:  # COCO panoptic's 133 colours start with COCO's 80
        palette = CocoPanopticDataset.PALETTE
    if len(palette) < n:
        raise ValueError(f'the {name!r} palette has {len(palette)} colours but {n} classes are drawn')
    return [tuple(color) for color in palette]


def get_palette(palette, num_classes: int) -> list[tuple[int, int, int]]:
    """``num_classes`` RGB colours: from a list, one tuple for all, ``'random'``/None (a fixed random
    palette), a data set's palette (``'coco'``, ``'voc'``, ``'citys'``, as mmdet's) or a colour name."""
    if isinstance(palette, str) and palette in ('coco', 'voc', 'citys'):
        return _dataset_palette(palette, num_classes)
    return palette_colors(palette, num_classes)


def resolve_colors(spec, labels) -> object:
    """``spec`` with a data set's palette name replaced by its colours (for drawing ``labels``)."""
    if isinstance(spec, str) and spec in ('coco', 'voc', 'citys'):
        return _dataset_palette(spec, int(max(labels, default=-1)) + 1)
    return spec
