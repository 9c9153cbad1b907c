"""Merge test-time-augmentation outputs back onto the original image (mmdet names)."""
from __future__ import annotations

import copy

import numpy as np
import torch

from ...ops import batched_nms
from ..bbox import bbox_mapping_back


def _map_back(bboxes: torch.Tensor, img_meta: dict) -> torch.Tensor:
    return bbox_mapping_back(bboxes, img_meta['img_shape'], img_meta['scale_factor'], img_meta['flip'],
                             img_meta.get('flip_direction', 'horizontal'))


def merge_aug_proposals(aug_proposals: list, img_metas: list, cfg) -> torch.Tensor:
    """Map each augmentation's ``(n, 5)`` proposals back, class-agnostic NMS, keep ``max_per_img``."""
    cfg = copy.deepcopy(cfg)
    if 'max_num' in cfg:
        cfg['max_per_img'] = cfg['max_num']
    if 'nms_thr' in cfg:
        cfg['nms'] = dict(type='nms', iou_threshold=cfg['nms_thr'])
    recovered = []
    for proposals, meta in zip(aug_proposals, img_metas):
        proposals = proposals.clone()
        proposals[:, :4] = _map_back(proposals[:, :4], meta)
        recovered.append(proposals)
    proposals = torch.cat(recovered, dim=0)
    if proposals.numel() == 0:
        return proposals.new_zeros(0, 5)
    merged, _ = batched_nms(proposals[:, :4].contiguous(), proposals[:, -1].contiguous(),
                            proposals.new_zeros(len(proposals), dtype=torch.long),
                            dict(cfg['nms'], class_agnostic=True))
    return merged[:cfg['max_per_img']]


def merge_aug_bboxes(aug_bboxes: list, aug_scores: list | None, img_metas: list, rcnn_test_cfg=None):
    """Average the (same-proposal) boxes and scores of each augmentation after mapping back."""
    recovered = [_map_back(bboxes, metas[0]) for bboxes, metas in zip(aug_bboxes, img_metas)]
    bboxes = torch.stack(recovered).mean(dim=0)
    if aug_scores is None:
        return bboxes
    return bboxes, torch.stack(aug_scores).mean(dim=0)


def merge_aug_scores(aug_scores: list):
    """Mean of the augmentations' scores (tensors or arrays)."""
    if isinstance(aug_scores[0], torch.Tensor):
        return torch.mean(torch.stack(aug_scores), dim=0)
    return np.mean(aug_scores, axis=0)


_FLIP_AXES = {'horizontal': (3, ), 'vertical': (2, ), 'diagonal': (2, 3)}


def merge_aug_masks(aug_masks: list, img_metas: list, rcnn_test_cfg=None, weights=None) -> np.ndarray:
    """Un-flip each augmentation's ``(n, c, h, w)`` mask probabilities, then (weighted) average."""
    recovered = []
    for mask, metas in zip(aug_masks, img_metas):
        if metas[0]['flip']:
            direction = metas[0].get('flip_direction', 'horizontal')
            if direction not in _FLIP_AXES:
                raise ValueError(f'invalid flip_direction {direction!r}')
            mask = np.flip(mask, axis=_FLIP_AXES[direction])
        recovered.append(mask)
    if weights is None:
        return np.mean(recovered, axis=0)
    return np.average(np.array(recovered), axis=0, weights=np.array(weights))


def dets_in_first_aug_frame(dets: torch.Tensor, img_metas: list, rescale: bool) -> torch.Tensor:
    """Merged test-time-augmentation detections are in the original image; unless ``rescale``, scale their
    boxes to the first augmentation's frame."""
    if rescale:
        return dets
    dets = dets.clone()
    dets[:, :4] *= dets.new_tensor(img_metas[0][0]['scale_factor'])
    return dets
