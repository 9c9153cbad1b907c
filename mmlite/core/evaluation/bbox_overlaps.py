"""``bbox_overlaps`` on NumPy arrays (used by the VOC-style evaluation)."""
from __future__ import annotations

import numpy as np


def bbox_overlaps(bboxes1: np.ndarray, bboxes2: np.ndarray, mode: str = 'iou', eps: float = 1e-6,
                  use_legacy_coordinate: bool = False) -> np.ndarray:
    """IoU (``mode='iou'``) or intersection over the first box's area (``'iof'``), ``(n, k)``.

    Args:
        use_legacy_coordinate: Count pixels inclusively (``x2 - x1 + 1``) as mmdet < 2.5 did.
    """
    if mode not in ('iou', 'iof'):
        raise ValueError(f'mode must be "iou" or "iof", got {mode!r}')
    extra = 1.0 if use_legacy_coordinate else 0.0
    b1, b2 = bboxes1.astype(np.float32), bboxes2.astype(np.float32)
    if b1.shape[0] == 0 or b2.shape[0] == 0:
        return np.zeros((b1.shape[0], b2.shape[0]), dtype=np.float32)
    area1 = (b1[:, 2] - b1[:, 0] + extra) * (b1[:, 3] - b1[:, 1] + extra)
    area2 = (b2[:, 2] - b2[:, 0] + extra) * (b2[:, 3] - b2[:, 1] + extra)
    lt = np.maximum(b1[:, None, :2], b2[None, :, :2])
    rb = np.minimum(b1[:, None, 2:4], b2[None, :, 2:4])
    wh = np.clip(rb - lt + extra, 0, None)
    overlap = wh[..., 0] * wh[..., 1]
    union = area1[:, None] + area2[None, :] - overlap if mode == 'iou' else np.broadcast_to(
        area1[:, None], overlap.shape)
    return overlap / np.maximum(union, eps)
