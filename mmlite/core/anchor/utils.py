"""Anchor helpers (mmdet.core.anchor names)."""
from __future__ import annotations

import torch


def images_to_levels(target: list[torch.Tensor], num_levels: list[int]) -> list[torch.Tensor]:
    """Per-image targets (concatenated levels) to per-level targets (stacked images)."""
    stacked = torch.stack(target, 0)
    out, start = [], 0
    for n in num_levels:
        out.append(stacked[:, start:start + n])
        start += n
    return out


def anchor_inside_flags(flat_anchors: torch.Tensor, valid_flags: torch.Tensor, img_shape,
                        allowed_border: int = 0) -> torch.Tensor:
    """Valid anchors lying within the image (plus ``allowed_border``; negative disables the check)."""
    img_h, img_w = img_shape[:2]
    if allowed_border < 0:
        return valid_flags
    return (valid_flags & (flat_anchors[:, 0] >= -allowed_border) & (flat_anchors[:, 1] >= -allowed_border)
            & (flat_anchors[:, 2] < img_w + allowed_border) & (flat_anchors[:, 3] < img_h + allowed_border))
