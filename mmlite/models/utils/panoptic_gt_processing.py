"""``preprocess_panoptic_gt``: one image's thing and stuff masks as a single list of mask targets."""
from __future__ import annotations

import torch


def preprocess_panoptic_gt(gt_labels: torch.Tensor, gt_masks, gt_semantic_seg: torch.Tensor | None, num_things: int,
                           num_stuff: int, img_metas: dict) -> tuple[torch.Tensor, torch.Tensor]:
    """``(labels, masks)``: the thing masks (padded to ``pad_shape``) and their labels, followed by one mask per
    stuff label present in ``gt_semantic_seg`` (labels ``num_things .. num_things + num_stuff - 1``; others,
    such as thing labels and 255, are left out). Masks are ``(n, H, W)`` int64 0/1."""
    num_classes = num_things + num_stuff
    padded = gt_masks.pad(img_metas['pad_shape'][:2], pad_val=0)
    things_masks = padded.to_tensor(dtype=torch.bool, device=gt_labels.device)
    if gt_semantic_seg is None:
        return gt_labels, things_masks.long()
    seg = gt_semantic_seg.squeeze(0)
    stuff_labels = [label for label in torch.unique(seg) if num_things <= label < num_classes]
    if not stuff_labels:
        return gt_labels, things_masks.long()
    stuff_masks = torch.stack([seg == label for label in stuff_labels])
    labels = torch.cat([gt_labels, torch.stack(stuff_labels).to(gt_labels.dtype)])
    return labels, torch.cat([things_masks, stuff_masks]).long()
