"""``soft_nms`` with mmcv's signature and results, in NumPy (mmcv's is a compiled kernel)."""
from __future__ import annotations

import numpy as np
import torch

_METHODS = {'naive': 0, 'linear': 1, 'gaussian': 2}


def _decay(box: np.ndarray, others: np.ndarray, scores: np.ndarray, method: int, iou_threshold: float,
           sigma: float, offset: int) -> np.ndarray:
    """``scores`` of ``others`` after suppression by ``box`` (mmcv's weights; ``>=`` threshold)."""
    area = (box[2] - box[0] + offset) * (box[3] - box[1] + offset)
    areas = (others[:, 2] - others[:, 0] + offset) * (others[:, 3] - others[:, 1] + offset)
    w = np.maximum(np.float32(0), np.minimum(box[2], others[:, 2]) - np.maximum(box[0], others[:, 0]) + offset)
    h = np.maximum(np.float32(0), np.minimum(box[3], others[:, 3]) - np.maximum(box[1], others[:, 1]) + offset)
    inter = w * h
    iou = inter / (area + areas - inter)
    if method == 2:
        weight = np.exp(-(iou * iou) / np.float32(sigma))
    elif method == 1:
        weight = np.where(iou >= iou_threshold, 1 - iou, np.float32(1))
    else:
        weight = np.where(iou >= iou_threshold, np.float32(0), np.float32(1))
    return (scores * weight).astype(np.float32)


def _drop(order: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Remove entries like mmcv's kernel: each dropped slot takes the last kept entry from the end."""
    kept = int(keep.sum())
    front = order[:kept].copy()
    holes = np.nonzero(~keep[:kept])[0]
    front[holes] = order[kept:][keep[kept:]][::-1]
    return front


def _soft_nms_numpy(boxes: np.ndarray, scores: np.ndarray, iou_threshold: float, sigma: float, min_score: float,
                    method: int, offset: int) -> tuple[np.ndarray, np.ndarray]:
    boxes = boxes.astype(np.float32)
    scores = scores.astype(np.float32).copy()
    order = np.arange(len(scores))  # positions still competing, in the kernel's order
    dets, inds = [], []
    while len(order):
        first = int(np.argmax(scores[order]))  # the first of equal maxima, as the kernel scans
        order[0], order[first] = order[first], order[0]
        best = order[0]
        dets.append(np.append(boxes[best], scores[best]))
        inds.append(best)
        rest = order[1:]
        scores[rest] = _decay(boxes[best], boxes[rest], scores[rest], method, iou_threshold, sigma, offset)
        order = _drop(rest, scores[rest] >= min_score)
    return (np.array(dets, dtype=np.float32).reshape(-1, 5), np.array(inds, dtype=np.int64))


def soft_nms(boxes, scores, iou_threshold: float = 0.3, sigma: float = 0.5, min_score: float = 1e-3,
             method: str = 'linear', offset: int = 0):
    """Soft-NMS: instead of removing overlapping boxes, lower their scores ('linear': by ``1 - IoU`` above
    ``iou_threshold``; 'gaussian': by ``exp(-IoU² / sigma)``; 'naive': to 0 above the threshold) and drop
    those under ``min_score``. Returns ``(dets (k, 5) with the lowered scores, kept indices)`` in the order
    chosen; NumPy in, NumPy out (tensors in, tensors out)."""
    if method not in _METHODS:
        raise ValueError(f'soft_nms method must be one of {list(_METHODS)}, got {method!r}')
    if offset not in (0, 1):
        raise ValueError(f'soft_nms offset must be 0 or 1, got {offset}')
    is_tensor = isinstance(boxes, torch.Tensor)
    boxes_np = boxes.detach().cpu().numpy() if is_tensor else np.asarray(boxes)
    scores_np = scores.detach().cpu().numpy() if isinstance(scores, torch.Tensor) else np.asarray(scores)
    dets, inds = _soft_nms_numpy(boxes_np, scores_np, iou_threshold, sigma, min_score, _METHODS[method], offset)
    if is_tensor:
        return torch.from_numpy(dets).to(boxes.device, boxes.dtype), torch.from_numpy(inds).to(boxes.device)
    return dets, inds
