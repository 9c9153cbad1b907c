"""Drawing detections on images (``imshow_det_bboxes``) with Pillow."""
from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .io import imwrite

_NAMED_COLORS = dict(red=(255, 0, 0), green=(0, 255, 0), blue=(0, 0, 255), cyan=(0, 255, 255),
                     yellow=(255, 255, 0), magenta=(255, 0, 255), white=(255, 255, 255), black=(0, 0, 0))
_DATASET_PALETTES = ('coco', 'voc', 'citys')


def _palette(n: int) -> list[tuple[int, int, int]]:
    rng = np.random.RandomState(42)
    return [tuple(int(c) for c in rng.randint(0, 256, 3)) for _ in range(n)]


def palette_colors(spec: Any, n: int) -> list[tuple[int, int, int]]:
    """``n`` RGB colours from mmdet's palette forms: None or 'random' (a fixed random palette), one
    RGB tuple for all, a list of tuples, or a colour name ('red', 'green', ...)."""
    if spec is None or spec == 'random':
        return _palette(n)
    if isinstance(spec, tuple):
        return [tuple(int(c) for c in spec)] * n
    if isinstance(spec, list):
        if len(spec) < n:
            raise ValueError(f'the palette has {len(spec)} colours but {n} classes are drawn')
        return [tuple(int(c) for c in color) for color in spec]
    if isinstance(spec, str) and spec in _DATASET_PALETTES:  # the data sets' palettes: core.visualization's
        warnings.warn(f'mmlite.image has no {spec!r} dataset palette (mmlite.core.visualization.get_palette has); '
                      'drawing with the random one')
        return _palette(n)
    if isinstance(spec, str) and spec in _NAMED_COLORS:
        return [_NAMED_COLORS[spec]] * n
    raise ValueError(f'unknown colour {spec!r}: use None, "random", an (R, G, B) tuple, a list of them or '
                     f'one of {sorted(_NAMED_COLORS)}')


def _show(img_rgb: np.ndarray, title: str, wait_time: float) -> None:
    """Display with matplotlib (blocking when ``wait_time`` is 0, else for ``wait_time`` seconds)."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError('showing images needs matplotlib: pip install "mmlite[plot]" (or write them to a '
                          'file with out_file=...)') from exc
    plt.figure(title or 'image')
    plt.imshow(img_rgb)
    plt.axis('off')
    plt.title(title)
    if wait_time == 0:
        plt.show()
    else:
        plt.show(block=False)
        plt.pause(wait_time)
    plt.close()


def _finish(pil, show: bool, win_name: str, wait_time: float, out_file: str | None) -> np.ndarray:
    """The drawn Pillow image as BGR; shown and/or written when asked."""
    drawn = np.asarray(pil)[..., ::-1].copy()
    if show:
        _show(np.asarray(pil), win_name, wait_time)
    if out_file is not None:
        imwrite(drawn, out_file)
    return drawn


def imshow_det_bboxes(img: np.ndarray, bboxes: np.ndarray, labels: np.ndarray, segms=None,
                      class_names=None, score_thr: float = 0, bbox_color=None, text_color=None,
                      mask_color=None, thickness: int = 2, font_size: int = 13, win_name: str = '',
                      show: bool = False, wait_time: int = 0, out_file: str | None = None) -> np.ndarray:
    """Draw boxes (``x1, y1, x2, y2[, score]``), labels and masks on a BGR image.

    Colours take mmdet's forms (see :func:`palette_colors`; masks default to the random palette).
    Returns the drawn BGR image; writes it to ``out_file`` when given; ``show`` displays it with
    matplotlib.
    """
    from PIL import Image, ImageDraw
    canvas = np.ascontiguousarray(img[..., ::-1]).astype(np.uint8).copy()  # RGB
    keep = np.ones(len(bboxes), dtype=bool)
    if score_thr > 0 and bboxes.shape[1] == 5:
        keep = bboxes[:, 4] > score_thr
    bboxes, labels = bboxes[keep], labels[keep]
    num_colors = int(labels.max()) + 1 if len(labels) else 1
    box_colors, label_colors = palette_colors(bbox_color, num_colors), palette_colors(text_color, num_colors)
    if segms is not None:
        mask_colors = palette_colors(mask_color, num_colors)
        for mask, label in zip(np.asarray(segms)[keep], labels):
            color = np.array(mask_colors[label], dtype=np.float32)
            region = mask.astype(bool)
            canvas[region] = (canvas[region] * 0.5 + color * 0.5).astype(np.uint8)
    pil = Image.fromarray(canvas)
    draw = ImageDraw.Draw(pil)
    for box, label in zip(bboxes, labels):
        draw.rectangle([float(v) for v in box[:4]], outline=box_colors[label], width=thickness)
        name = class_names[label] if class_names is not None else f'class {label}'
        text = f'{name}|{box[4]:.02f}' if len(box) > 4 else name
        draw.text((float(box[0]) + 2, float(box[1]) + 1), text, fill=label_colors[label])
    return _finish(pil, show, win_name, wait_time, out_file)


def imshow(img, win_name: str = '', wait_time: int = 0) -> None:
    """Display a BGR image (an array or a file path) with matplotlib."""
    from .io import imread
    _show(np.ascontiguousarray(imread(img)[..., ::-1]), win_name, wait_time)


def imshow_bboxes(img, bboxes, colors='green', top_k: int = -1, thickness: int = 1, show: bool = True,
                  win_name: str = '', wait_time: int = 0, out_file: str | None = None) -> np.ndarray:
    """Draw groups of boxes (an ``(n, 4+)`` array or a list of them), each group in its colour (a name,
    ``Color``, BGR tuple or int; one for all or one per group), the first ``top_k`` of each when positive.
    Returns the drawn BGR image (the input is not changed)."""
    from PIL import Image, ImageDraw

    from .color import color_val
    from .io import imread
    groups = [bboxes] if isinstance(bboxes, np.ndarray) else list(bboxes)
    colors = colors if isinstance(colors, list) else [colors] * len(groups)
    if len(colors) != len(groups):
        raise ValueError(f'imshow_bboxes: {len(colors)} colours for {len(groups)} groups of boxes')
    pil = Image.fromarray(np.ascontiguousarray(imread(img)[..., ::-1]).astype(np.uint8))
    draw = ImageDraw.Draw(pil)
    for group, color in zip(groups, colors):
        rgb = tuple(int(c) for c in color_val(color)[::-1])
        shown = group if top_k <= 0 else group[:top_k]
        for box in np.asarray(shown).astype(np.int32):
            draw.rectangle([int(v) for v in box[:4]], outline=rgb, width=thickness)
    return _finish(pil, show, win_name, wait_time, out_file)
