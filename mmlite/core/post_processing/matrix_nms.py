"""Matrix NMS (SOLOv2): every mask's score decays by its overlap with higher-scored masks of its class,
in one matrix computation instead of a sequential suppression loop."""
from __future__ import annotations

import torch


def _empty(masks: torch.Tensor, labels: torch.Tensor, scores: torch.Tensor) -> tuple:
    return (scores.new_zeros(0), labels.new_zeros(0), masks.new_zeros(0, *masks.shape[-2:]),
            labels.new_zeros(0))


def _decay_coefficients(masks: torch.Tensor, labels: torch.Tensor, mask_area: torch.Tensor, kernel: str,
                        sigma: float) -> torch.Tensor:
    """Per mask (sorted by descending score), the factor its score is multiplied by."""
    count = len(labels)
    flat = masks.reshape(count, -1).float()
    inter = flat @ flat.t()
    area = mask_area.expand(count, count)
    iou = (inter / (area + area.t() - inter)).triu(diagonal=1)  # iou[i, j]: i scored above j
    same_class = (labels[None, :] == labels[:, None]).triu(diagonal=1)
    decay_iou = iou * same_class
    # how much mask i was itself suppressed: its largest overlap with a higher-scored mask of its class
    compensate_iou = decay_iou.max(0).values.expand(count, count).t()
    if kernel == 'gaussian':
        return (torch.exp(-sigma * decay_iou ** 2) / torch.exp(-sigma * compensate_iou ** 2)).min(0).values
    if kernel == 'linear':
        return ((1 - decay_iou) / (1 - compensate_iou)).min(0).values
    raise NotImplementedError(f"matrix NMS kernel must be 'gaussian' or 'linear', got {kernel!r}")


def mask_matrix_nms(masks: torch.Tensor, labels: torch.Tensor, scores: torch.Tensor, filter_thr: float = -1,
                    nms_pre: int = -1, max_num: int = -1, kernel: str = 'gaussian', sigma: float = 2.0,
                    mask_area: torch.Tensor | None = None) -> tuple:
    """Matrix NMS of binary ``masks`` ``(n, h, w)`` with their ``labels`` and ``scores``.

    Keeps the ``nms_pre`` best (all when ``<= 0``), decays the scores, drops those under ``filter_thr`` (when
    ``> 0``) and keeps the ``max_num`` best. Returns ``(scores, labels, masks, keep_inds)`` sorted by decayed
    score, ``keep_inds`` indexing the inputs."""
    if not len(labels) == len(masks) == len(scores):
        raise ValueError(f'mask_matrix_nms needs as many masks, labels and scores; got {len(masks)}, '
                         f'{len(labels)}, {len(scores)}')
    if len(labels) == 0:
        return _empty(masks, labels, scores)
    if mask_area is None:
        mask_area = masks.sum((1, 2)).float()
    elif len(mask_area) != len(masks):
        raise ValueError(f'mask_area has {len(mask_area)} entries for {len(masks)} masks')
    scores, order = torch.sort(scores, descending=True)
    if 0 < nms_pre < len(order):
        order, scores = order[:nms_pre], scores[:nms_pre]
    keep_inds = order
    masks, labels = masks[order], labels[order]
    scores = scores * _decay_coefficients(masks, labels, mask_area[order], kernel, sigma)
    if filter_thr > 0:
        keep = scores >= filter_thr
        if not keep.any():
            return _empty(masks, labels, scores)
        keep_inds, masks, scores, labels = keep_inds[keep], masks[keep], scores[keep], labels[keep]
    scores, order = torch.sort(scores, descending=True)
    if 0 < max_num < len(order):
        order, scores = order[:max_num], scores[:max_num]
    return scores, labels[order], masks[order], keep_inds[order]
