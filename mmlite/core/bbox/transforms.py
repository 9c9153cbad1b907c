"""Box format helpers: rois, per-class results, flips (mmdet.core.bbox names)."""
from __future__ import annotations

import numpy as np
import torch


def bbox2roi(bbox_list: list[torch.Tensor]) -> torch.Tensor:
    """Per-image boxes to ``(n, 5)`` rois ``[batch_index, x1, y1, x2, y2]``."""
    rois = []
    for img_id, bboxes in enumerate(bbox_list):
        if bboxes.size(0) > 0:
            rois.append(torch.cat([bboxes.new_full((bboxes.size(0), 1), img_id), bboxes[:, :4]], dim=-1))
        else:
            rois.append(bboxes.new_zeros((0, 5)))
    return torch.cat(rois, 0)


def roi2bbox(rois: torch.Tensor) -> list[torch.Tensor]:
    """Inverse of :func:`bbox2roi`."""
    img_ids = torch.unique(rois[:, 0].cpu(), sorted=True)
    return [rois[rois[:, 0] == img_id.item(), 1:] for img_id in img_ids]


def bbox2result(bboxes, labels, num_classes: int) -> list[np.ndarray]:
    """Detections to mmdet's per-class list of ``(n, 5)`` float32 arrays."""
    if bboxes.shape[0] == 0:
        return [np.zeros((0, 5), dtype=np.float32) for _ in range(num_classes)]
    if isinstance(bboxes, torch.Tensor):
        bboxes = bboxes.detach().cpu().numpy()
        labels = labels.detach().cpu().numpy()
    return [bboxes[labels == i, :] for i in range(num_classes)]


def bbox_flip(bboxes: torch.Tensor, img_shape, direction: str = 'horizontal') -> torch.Tensor:
    """Flip ``(..., 4k)`` boxes within ``img_shape``."""
    flipped = bboxes.clone()
    if direction in ('horizontal', 'diagonal'):
        flipped[..., 0::4] = img_shape[1] - bboxes[..., 2::4]
        flipped[..., 2::4] = img_shape[1] - bboxes[..., 0::4]
    if direction in ('vertical', 'diagonal'):
        flipped[..., 1::4] = img_shape[0] - bboxes[..., 3::4]
        flipped[..., 3::4] = img_shape[0] - bboxes[..., 1::4]
    return flipped


def bbox_mapping(bboxes, img_shape, scale_factor, flip, flip_direction='horizontal'):
    """Map boxes from the original image to the augmented (test-time) one."""
    new = bboxes * bboxes.new_tensor(scale_factor)
    return bbox_flip(new, img_shape, flip_direction) if flip else new


def bbox_mapping_back(bboxes, img_shape, scale_factor, flip, flip_direction='horizontal'):
    """Map boxes from an augmented image back to the original one."""
    new = bbox_flip(bboxes, img_shape, flip_direction) if flip else bboxes
    return (new.view(-1, 4) / new.new_tensor(scale_factor)).view(bboxes.shape)


def bbox_cxcywh_to_xyxy(bbox: torch.Tensor) -> torch.Tensor:
    """``(cx, cy, w, h)`` to ``(x1, y1, x2, y2)`` along the last dimension."""
    cx, cy, w, h = bbox.unbind(-1)
    return torch.stack([cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h], dim=-1)


def bbox_xyxy_to_cxcywh(bbox: torch.Tensor) -> torch.Tensor:
    """``(x1, y1, x2, y2)`` to ``(cx, cy, w, h)`` along the last dimension."""
    x1, y1, x2, y2 = bbox.unbind(-1)
    return torch.stack([(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1], dim=-1)


def bbox_rescale(bboxes: torch.Tensor, scale_factor: float = 1.0) -> torch.Tensor:
    """Scale ``(n, 4)`` boxes or ``(n, 5)`` rois (batch index first) about their centres."""
    boxes = bboxes[:, 1:] if bboxes.size(1) == 5 else bboxes
    cx, cy = (boxes[:, 0] + boxes[:, 2]) * 0.5, (boxes[:, 1] + boxes[:, 3]) * 0.5
    w, h = (boxes[:, 2] - boxes[:, 0]) * scale_factor, (boxes[:, 3] - boxes[:, 1]) * scale_factor
    scaled = [cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h]
    return torch.stack(([bboxes[:, 0]] if bboxes.size(1) == 5 else []) + scaled, dim=-1)


def distance2bbox(points: torch.Tensor, distance: torch.Tensor, max_shape=None) -> torch.Tensor:
    """Boxes from points and their ``(left, top, right, bottom)`` distances, clipped to ``max_shape``
    (``(h, w)``, or one per image for batched ``(B, N, 4)`` input) when given."""
    x, y = points[..., 0], points[..., 1]
    bboxes = torch.stack([x - distance[..., 0], y - distance[..., 1], x + distance[..., 2], y + distance[..., 3]], -1)
    if max_shape is None:
        return bboxes
    if bboxes.dim() == 2:
        bboxes[:, 0::2] = bboxes[:, 0::2].clamp(min=0, max=max_shape[1])
        bboxes[:, 1::2] = bboxes[:, 1::2].clamp(min=0, max=max_shape[0])
        return bboxes
    shape = max_shape if isinstance(max_shape, torch.Tensor) else x.new_tensor(max_shape)
    shape = shape[..., :2].type_as(x)
    if shape.ndim == 2 and (bboxes.ndim != 3 or shape.size(0) != bboxes.size(0)):
        raise ValueError(f'distance2bbox: one max_shape per image is needed, got {tuple(shape.shape)} for boxes '
                         f'{tuple(bboxes.shape)}')
    upper = torch.cat([shape, shape], dim=-1).flip(-1).unsqueeze(-2)  # (w, h, w, h)
    return torch.minimum(bboxes.clamp(min=0), upper)


def bbox2distance(points: torch.Tensor, bbox: torch.Tensor, max_dis: float | None = None,
                  eps: float = 0.1) -> torch.Tensor:
    """``(left, top, right, bottom)`` distances from points to box sides, clipped to ``max_dis - eps``."""
    distances = torch.stack([points[:, 0] - bbox[:, 0], points[:, 1] - bbox[:, 1], bbox[:, 2] - points[:, 0],
                             bbox[:, 3] - points[:, 1]], dim=-1)
    return distances if max_dis is None else distances.clamp(min=0, max=max_dis - eps)


def find_inside_bboxes(bboxes: torch.Tensor, img_h: int, img_w: int) -> torch.Tensor:
    """Which boxes overlap the ``img_h`` x ``img_w`` image."""
    return (bboxes[:, 0] < img_w) & (bboxes[:, 2] > 0) & (bboxes[:, 1] < img_h) & (bboxes[:, 3] > 0)
