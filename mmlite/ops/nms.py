"""Non-maximum suppression with mmcv's signatures on torchvision's compiled ``nms``."""
from __future__ import annotations

import numpy as np
import torch
from torchvision.ops import batched_nms as tv_batched_nms
from torchvision.ops import nms as tv_nms

from ..utils.errors import ReadableKeyError


def nms(boxes, scores, iou_threshold: float, offset: int = 0, score_threshold: float = 0,
        max_num: int = -1):
    """mmcv's ``nms``: returns ``(dets (k, 5) sorted by score, keep indices)``; numpy in, numpy out."""
    if offset != 0:
        raise NotImplementedError('nms offset=1 (legacy pixel convention) is not supported; use offset=0')
    is_numpy = isinstance(boxes, np.ndarray)
    boxes_t = torch.from_numpy(boxes) if is_numpy else boxes
    scores_t = torch.from_numpy(scores) if isinstance(scores, np.ndarray) else scores
    index = torch.arange(len(scores_t), device=scores_t.device)
    if score_threshold > 0:
        valid = scores_t > score_threshold
        boxes_t, scores_t, index = boxes_t[valid], scores_t[valid], index[valid]
    keep = tv_nms(boxes_t.float(), scores_t.float(), float(iou_threshold))
    if max_num > 0:
        keep = keep[:max_num]
    dets = torch.cat([boxes_t[keep], scores_t[keep].reshape(-1, 1).to(boxes_t.dtype)], dim=1)
    keep = index[keep]
    return (dets.numpy(), keep.numpy()) if is_numpy else (dets, keep)


def _parse_nms_cfg(nms_cfg: dict, class_agnostic: bool) -> tuple[float, int, bool]:
    cfg = dict(nms_cfg)
    class_agnostic = cfg.pop('class_agnostic', class_agnostic)
    nms_type = cfg.pop('type', 'nms')
    if nms_type != 'nms':
        raise NotImplementedError(f'nms type {nms_type!r} is not supported by mmlite (use "nms"); config: {nms_cfg}')
    iou_threshold = cfg.pop('iou_threshold', cfg.pop('iou_thr', None))
    if iou_threshold is None:
        raise ReadableKeyError(f'nms config {nms_cfg} needs iou_threshold')
    max_num = cfg.pop('max_num', -1)
    cfg.pop('split_thr', None)  # torchvision picks its own split between the offset trick and a loop
    if cfg.pop('offset', 0) != 0:
        raise NotImplementedError('nms offset=1 (legacy pixel convention) is not supported; use offset=0')
    if cfg:
        raise ReadableKeyError(f'unsupported nms option(s) {sorted(cfg)} in {nms_cfg}; '
                               'expected type, iou_threshold, class_agnostic, max_num, split_thr')
    return float(iou_threshold), max_num, class_agnostic


def batched_nms(boxes: torch.Tensor, scores: torch.Tensor, idxs: torch.Tensor, nms_cfg: dict | None,
                class_agnostic: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """NMS within each ``idxs`` group (mmcv's ``batched_nms``).

    Args:
        nms_cfg: ``dict(type='nms', iou_threshold=..., class_agnostic=False, max_num=-1)``, or None to
            keep every box (sorted by score).

    Returns:
        ``(dets (k, 5) sorted by score, keep indices)``.
    """
    if nms_cfg is None:
        scores, keep = scores.sort(descending=True)
        return torch.cat([boxes[keep], scores[:, None]], -1), keep
    iou_threshold, max_num, class_agnostic = _parse_nms_cfg(nms_cfg, class_agnostic)
    if class_agnostic:
        keep = tv_nms(boxes, scores, iou_threshold)
    else:
        keep = tv_batched_nms(boxes, scores, idxs, iou_threshold)
    if max_num > 0:
        keep = keep[:max_num]
    return torch.cat([boxes[keep], scores[keep][:, None]], -1), keep
