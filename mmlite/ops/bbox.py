"""mmcv.ops' ``bbox_overlaps`` (IoU or IoF of ``(x1, y1, x2, y2)`` boxes, with the legacy ``offset``)."""
from __future__ import annotations

import torch


def bbox_overlaps(bboxes1: torch.Tensor, bboxes2: torch.Tensor, mode: str = 'iou', aligned: bool = False,
                  offset: int = 0) -> torch.Tensor:
    """Overlaps of every box of ``bboxes1`` with every box of ``bboxes2`` (``(m, n)``), or of the pairs
    (``(m,)``) when ``aligned``; 'iof' divides by the area of ``bboxes1``; ``offset=1`` counts pixels
    inclusively (widths ``x2 - x1 + 1``)."""
    if mode not in ('iou', 'iof'):
        raise ValueError(f"bbox_overlaps mode must be 'iou' or 'iof', got {mode!r}")
    if offset not in (0, 1):
        raise ValueError(f'bbox_overlaps offset must be 0 or 1, got {offset!r}')
    if bboxes1.size(-1) != 4 or bboxes2.size(-1) != 4:
        raise ValueError(f'bbox_overlaps needs (n, 4) boxes, got {tuple(bboxes1.shape)} and {tuple(bboxes2.shape)}')
    if aligned and len(bboxes1) != len(bboxes2):
        raise ValueError(f'aligned bbox_overlaps needs as many boxes on both sides, got {len(bboxes1)} and '
                         f'{len(bboxes2)}')
    first = bboxes1 if aligned else bboxes1[:, None]
    second = bboxes2 if aligned else bboxes2[None]
    top_left = torch.maximum(first[..., :2], second[..., :2])
    bottom_right = torch.minimum(first[..., 2:], second[..., 2:])
    inter = (bottom_right - top_left + offset).clamp_min(0).prod(-1)
    area1 = (first[..., 2] - first[..., 0] + offset) * (first[..., 3] - first[..., 1] + offset)
    if mode == 'iof':
        return inter / area1
    area2 = (second[..., 2] - second[..., 0] + offset) * (second[..., 3] - second[..., 1] + offset)
    return inter / (area1 + area2 - inter)
