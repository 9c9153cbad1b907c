"""Non-maximum suppression with mmcv's signatures on torchvision's compiled ``nms``."""
from __future__ import annotations

import numpy as np
import torch
from torchvision.ops import batched_nms as tv_batched_nms
from torchvision.ops import box_iou
from torchvision.ops import nms as tv_nms

from ..utils.errors import ReadableKeyError
from .soft_nms import soft_nms


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


_SOFT_NMS_KEYS = ('iou_threshold', 'sigma', 'min_score', 'method', 'offset')


def _parse_nms_cfg(nms_cfg: dict, class_agnostic: bool) -> tuple[str, dict, int, bool, int]:
    """``(type, op options, max_num, class_agnostic, split_thr)`` of an mmcv ``nms_cfg``."""
    cfg = dict(nms_cfg)
    class_agnostic = cfg.pop('class_agnostic', class_agnostic)
    nms_type = cfg.pop('type', 'nms')
    if nms_type not in ('nms', 'soft_nms'):
        raise NotImplementedError(f'nms type {nms_type!r} is not supported by mmlite (use "nms" or "soft_nms"); '
                                  f'config: {nms_cfg}')
    if 'iou_thr' in cfg:
        cfg['iou_threshold'] = cfg.pop('iou_thr')
    max_num, split_thr = cfg.pop('max_num', -1), cfg.pop('split_thr', 10000)
    if nms_type == 'soft_nms':
        unknown = sorted(set(cfg) - set(_SOFT_NMS_KEYS))
        if unknown:
            raise ReadableKeyError(f'unsupported soft_nms option(s) {unknown} in {nms_cfg}; expected type, '
                                   f'{", ".join(_SOFT_NMS_KEYS)}, class_agnostic, max_num, split_thr')
        return nms_type, cfg, max_num, class_agnostic, split_thr
    if 'iou_threshold' not in cfg:
        raise ReadableKeyError(f'nms config {nms_cfg} needs iou_threshold')
    iou_threshold = cfg.pop('iou_threshold')
    if cfg.pop('offset', 0) != 0:
        raise NotImplementedError('nms offset=1 (legacy pixel convention) is not supported; use offset=0')
    if cfg:
        raise ReadableKeyError(f'unsupported nms option(s) {sorted(cfg)} in {nms_cfg}; '
                               'expected type, iou_threshold, class_agnostic, max_num, split_thr')
    return nms_type, dict(iou_threshold=float(iou_threshold)), max_num, class_agnostic, split_thr


def _batched_soft_nms(boxes, scores, idxs, options: dict, class_agnostic: bool, split_thr: int):
    """mmcv's batched soft-NMS: one pass over class-offset boxes, or one per class for many boxes."""
    if class_agnostic or boxes.shape[0] < split_thr:
        shifted = boxes
        if not class_agnostic and boxes.numel():
            shifted = boxes + (idxs.to(boxes) * (boxes.max() + 1))[:, None]
        dets, keep = soft_nms(shifted, scores, **options)
        return dets[:, -1], keep
    kept_scores = scores.new_zeros(scores.shape)
    kept = torch.zeros_like(scores, dtype=torch.bool)
    for group in torch.unique(idxs):
        members = (idxs == group).nonzero(as_tuple=False).view(-1)
        dets, keep = soft_nms(boxes[members], scores[members], **options)
        kept[members[keep]] = True
        kept_scores[members[keep]] = dets[:, -1]
    keep = kept.nonzero(as_tuple=False).view(-1)
    new_scores, order = kept_scores[keep].sort(descending=True)
    return new_scores, keep[order]


def batched_nms(boxes: torch.Tensor, scores: torch.Tensor, idxs: torch.Tensor, nms_cfg: dict | None,
                class_agnostic: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """NMS within each ``idxs`` group (mmcv's ``batched_nms``).

    Args:
        nms_cfg: ``dict(type='nms', iou_threshold=..., class_agnostic=False, max_num=-1)``, or
            ``dict(type='soft_nms', iou_threshold=0.3, sigma=0.5, min_score=1e-3, method='linear')`` (the
            returned scores are the lowered ones), or None to keep every box (sorted by score).

    Returns:
        ``(dets (k, 5) sorted by score, keep indices)``.
    """
    if nms_cfg is None:
        scores, keep = scores.sort(descending=True)
        return torch.cat([boxes[keep], scores[:, None]], -1), keep
    nms_type, options, max_num, class_agnostic, split_thr = _parse_nms_cfg(nms_cfg, class_agnostic)
    if nms_type == 'soft_nms':
        new_scores, keep = _batched_soft_nms(boxes, scores, idxs, options, class_agnostic, split_thr)
        if max_num > 0:
            keep, new_scores = keep[:max_num], new_scores[:max_num]
        return torch.cat([boxes[keep], new_scores[:, None].to(boxes.dtype)], -1), keep
    iou_threshold = options['iou_threshold']
    if class_agnostic:
        keep = tv_nms(boxes, scores, iou_threshold)
    else:
        keep = tv_batched_nms(boxes, scores, idxs, iou_threshold)
    if max_num > 0:
        keep = keep[:max_num]
    return torch.cat([boxes[keep], scores[keep][:, None]], -1), keep


def nms_match(dets, iou_threshold: float) -> list:
    """mmcv's ``nms_match``: NMS that records, for each kept box, the boxes it suppresses (IoU >= the threshold).

    Args:
        dets: ``(n, 5)`` boxes with scores (tensor or array).

    Returns:
        One index tensor (array for array input) per kept box: the box, then those it suppressed, in score order.
    """
    is_numpy = isinstance(dets, np.ndarray)
    dets_t = torch.from_numpy(dets) if is_numpy else dets.detach()
    if dets_t.shape[0] == 0:
        return []
    if dets_t.shape[-1] != 5:
        raise ValueError(f'nms_match expects (n, 5) boxes with scores, got {tuple(dets_t.shape)}')
    order = dets_t[:, 4].sort(descending=True)[1]
    ious = box_iou(dets_t[order, :4], dets_t[order, :4]).cpu().numpy()
    order = order.cpu().numpy()
    suppressed = np.zeros(len(order), dtype=bool)
    groups = []
    for pos in range(len(order)):
        if suppressed[pos]:
            continue
        members = np.flatnonzero(~suppressed[pos + 1:] & (ious[pos, pos + 1:] >= iou_threshold)) + pos + 1
        suppressed[members] = True
        groups.append(order[np.concatenate([[pos], members])])
    if is_numpy:
        return [group.astype(int) for group in groups]
    return [dets.new_tensor(group, dtype=torch.long) for group in groups]
