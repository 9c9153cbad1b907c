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
