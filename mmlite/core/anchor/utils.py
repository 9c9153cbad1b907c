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


def calc_region(bbox: torch.Tensor, ratio: float, featmap_size=None) -> tuple:
    """The integer region ``(x1, y1, x2, y2)`` (inclusive, rounded) of the central ``1 - 2 * ratio`` of
    ``bbox``, clamped to ``[0, w]`` / ``[0, h]`` of ``featmap_size`` when given. ``bbox`` may also hold several
    boxes (``(n, 4)``): then each coordinate is a tensor of ``n``."""
    x1 = torch.round((1 - ratio) * bbox[..., 0] + ratio * bbox[..., 2]).long()
    y1 = torch.round((1 - ratio) * bbox[..., 1] + ratio * bbox[..., 3]).long()
    x2 = torch.round(ratio * bbox[..., 0] + (1 - ratio) * bbox[..., 2]).long()
    y2 = torch.round(ratio * bbox[..., 1] + (1 - ratio) * bbox[..., 3]).long()
    if featmap_size is not None:
        x1, x2 = x1.clamp(min=0, max=featmap_size[1]), x2.clamp(min=0, max=featmap_size[1])
        y1, y2 = y1.clamp(min=0, max=featmap_size[0]), y2.clamp(min=0, max=featmap_size[0])
    return x1, y1, x2, y2
