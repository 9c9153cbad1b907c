"""Drawing detections on images (``imshow_det_bboxes``) with Pillow."""
from __future__ import annotations

import numpy as np

from .io import imwrite


def _palette(n: int) -> list[tuple[int, int, int]]:
    rng = np.random.RandomState(42)
    return [tuple(int(c) for c in rng.randint(0, 256, 3)) for _ in range(n)]


def imshow_det_bboxes(img: np.ndarray, bboxes: np.ndarray, labels: np.ndarray, segms=None,
                      class_names=None, score_thr: float = 0, bbox_color=None, text_color=None,
                      mask_color=None, thickness: int = 2, font_size: int = 13, win_name: str = '',
                      show: bool = False, wait_time: int = 0, out_file: str | None = None) -> np.ndarray:
    """Draw boxes (``x1, y1, x2, y2[, score]``), labels and masks on a BGR image.

    Returns the drawn BGR image; writes it to ``out_file`` when given. ``show`` is accepted but
    ignored (no display on training machines).
    """
    from PIL import Image, ImageDraw
    canvas = np.ascontiguousarray(img[..., ::-1]).astype(np.uint8).copy()  # RGB
    keep = np.ones(len(bboxes), dtype=bool)
    if score_thr > 0 and bboxes.shape[1] == 5:
        keep = bboxes[:, 4] > score_thr
    bboxes, labels = bboxes[keep], labels[keep]
    colors = _palette(int(labels.max()) + 1 if len(labels) else 1)
    if segms is not None:
        for mask, label in zip(np.asarray(segms)[keep], labels):
            color = np.array(colors[label], dtype=np.float32)
            region = mask.astype(bool)
            canvas[region] = (canvas[region] * 0.5 + color * 0.5).astype(np.uint8)
    pil = Image.fromarray(canvas)
    draw = ImageDraw.Draw(pil)
    for box, label in zip(bboxes, labels):
        color = colors[label]
        draw.rectangle([float(v) for v in box[:4]], outline=color, width=thickness)
        name = class_names[label] if class_names is not None else f'class {label}'
        text = f'{name}|{box[4]:.02f}' if len(box) > 4 else name
        draw.text((float(box[0]) + 2, float(box[1]) + 1), text, fill=color)
    drawn = np.asarray(pil)[..., ::-1].copy()
    if out_file is not None:
        imwrite(drawn, out_file)
    return drawn
