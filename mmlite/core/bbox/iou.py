"""IoU between box sets in PyTorch (``bbox_overlaps``, ``BboxOverlaps2D``), mmdet semantics:
pixel extents without the legacy +1, unions clamped by ``eps`` so degenerate boxes give 0."""
from __future__ import annotations

import torch

from .builder import IOU_CALCULATORS


def bbox_overlaps(bboxes1: torch.Tensor, bboxes2: torch.Tensor, mode: str = 'iou',
                  is_aligned: bool = False, eps: float = 1e-6) -> torch.Tensor:
    """IoU / IoF / GIoU of ``(..., m, 4)`` vs ``(..., n, 4)`` boxes (``(..., m)`` when aligned)."""
    if mode not in ('iou', 'iof', 'giou'):
        raise ValueError(f'Unsupported mode {mode}')
    rows, cols = bboxes1.size(-2), bboxes2.size(-2)
    batch_shape = bboxes1.shape[:-2]
    if is_aligned and rows != cols:
        raise ValueError(f'aligned boxes need equal counts, got {rows} and {cols}')
    if rows * cols == 0:
        return bboxes1.new(batch_shape + ((rows, ) if is_aligned else (rows, cols)))
    area1 = (bboxes1[..., 2] - bboxes1[..., 0]) * (bboxes1[..., 3] - bboxes1[..., 1])
    area2 = (bboxes2[..., 2] - bboxes2[..., 0]) * (bboxes2[..., 3] - bboxes2[..., 1])
    if is_aligned:
        lt = torch.max(bboxes1[..., :2], bboxes2[..., :2])
        rb = torch.min(bboxes1[..., 2:], bboxes2[..., 2:])
        a1, a2 = area1, area2
        enclose = (torch.min(bboxes1[..., :2], bboxes2[..., :2]), torch.max(bboxes1[..., 2:], bboxes2[..., 2:]))
    else:
        lt = torch.max(bboxes1[..., :, None, :2], bboxes2[..., None, :, :2])
        rb = torch.min(bboxes1[..., :, None, 2:], bboxes2[..., None, :, 2:])
        a1, a2 = area1[..., None], area2[..., None, :]
        enclose = (torch.min(bboxes1[..., :, None, :2], bboxes2[..., None, :, :2]),
                   torch.max(bboxes1[..., :, None, 2:], bboxes2[..., None, :, 2:]))
    wh = (rb - lt).clamp(min=0)
    overlap = wh[..., 0] * wh[..., 1]
    union = a1 + a2 - overlap if mode in ('iou', 'giou') else a1
    eps_t = union.new_tensor([eps])
    union = torch.max(union, eps_t)
    ious = overlap / union
    if mode != 'giou':
        return ious
    enclose_wh = (enclose[1] - enclose[0]).clamp(min=0)
    enclose_area = torch.max(enclose_wh[..., 0] * enclose_wh[..., 1], eps_t)
    return ious - (enclose_area - union) / enclose_area


@IOU_CALCULATORS.register_module()
class BboxOverlaps2D:
    """IoU calculator over ``(x1, y1, x2, y2[, score])`` boxes."""

    def __init__(self, scale: float = 1., dtype=None):
        self.scale, self.dtype = scale, dtype

    def __call__(self, bboxes1: torch.Tensor, bboxes2: torch.Tensor, mode: str = 'iou',
                 is_aligned: bool = False) -> torch.Tensor:
        if bboxes1.size(-1) not in (0, 4, 5) or bboxes2.size(-1) not in (0, 4, 5):
            raise ValueError('boxes must have 4 (or 5 with a score) columns')
        return bbox_overlaps(bboxes1[..., :4], bboxes2[..., :4], mode, is_aligned)

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(scale={self.scale}, dtype={self.dtype})'
