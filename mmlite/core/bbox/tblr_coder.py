"""``TBLRBBoxCoder``: boxes as the distances from a prior's centre to their top, bottom, left and right sides,
in units of the prior's height (top/bottom) and width (left/right), over ``normalizer`` (FSAF)."""
from __future__ import annotations

import torch

from .box_coders import BaseBBoxCoder
from .builder import BBOX_CODERS


def _normalizer_tensor(normalizer, reference: torch.Tensor):
    """A float stays a float; a sequence must give one value per side (top, bottom, left, right)."""
    if isinstance(normalizer, float):
        return normalizer
    normalizer = torch.as_tensor(normalizer, dtype=reference.dtype, device=reference.device)
    if normalizer.numel() != 4:
        raise ValueError(f'TBLRBBoxCoder.normalizer must be a float or 4 values, got {normalizer.tolist()}')
    return normalizer


def bboxes2tblr(priors: torch.Tensor, gts: torch.Tensor, normalizer=4.0, normalize_by_wh: bool = True):
    """``(top, bottom, left, right)`` of each gt seen from its prior's centre, ``(n, 4)``."""
    if priors.size(0) != gts.size(0):
        raise ValueError(f'{priors.size(0)} priors but {gts.size(0)} boxes to encode')
    centers = (priors[:, 0:2] + priors[:, 2:4]) / 2
    loc = torch.stack([centers[:, 1] - gts[:, 1], gts[:, 3] - centers[:, 1],
                       centers[:, 0] - gts[:, 0], gts[:, 2] - centers[:, 0]], dim=1)
    if normalize_by_wh:
        wh = priors[:, 2:4] - priors[:, 0:2]
        loc = loc / torch.stack([wh[:, 1], wh[:, 1], wh[:, 0], wh[:, 0]], dim=1)
    return loc / _normalizer_tensor(normalizer, priors)


def tblr2bboxes(priors: torch.Tensor, tblr: torch.Tensor, normalizer=4.0, normalize_by_wh: bool = True,
                max_shape=None, clip_border: bool = True) -> torch.Tensor:
    """Boxes ``(..., 4)`` from ``(top, bottom, left, right)`` around the priors' centres, clipped to
    ``max_shape`` ``(h, w)`` when ``clip_border``."""
    if priors.size(0) != tblr.size(0):
        raise ValueError(f'{priors.size(0)} priors but {tblr.size(0)} predictions to decode')
    loc = tblr * _normalizer_tensor(normalizer, priors)
    centers = (priors[..., 0:2] + priors[..., 2:4]) / 2
    if normalize_by_wh:
        wh = priors[..., 2:4] - priors[..., 0:2]
        loc = loc * torch.stack([wh[..., 1], wh[..., 1], wh[..., 0], wh[..., 0]], dim=-1)
    top, bottom, left, right = loc.unbind(-1)
    bboxes = torch.stack([centers[..., 0] - left, centers[..., 1] - top, centers[..., 0] + right,
                          centers[..., 1] + bottom], dim=-1)
    if clip_border and max_shape is not None:
        height, width = (float(size) for size in max_shape[:2])
        bboxes = torch.stack([bboxes[..., 0].clamp(0, width), bboxes[..., 1].clamp(0, height),
                              bboxes[..., 2].clamp(0, width), bboxes[..., 3].clamp(0, height)], dim=-1)
    return bboxes


@BBOX_CODERS.register_module()
class TBLRBBoxCoder(BaseBBoxCoder):
    """Encode boxes as normalised top/bottom/left/right distances from prior centres (see the module).

    Args:
        normalizer: Divides the distances: a float, or one value per side. Defaults to 4.0.
        clip_border: Clip decoded boxes to the image. Defaults to True.
    """

    def __init__(self, normalizer=4.0, clip_border: bool = True):
        super().__init__()
        self.normalizer, self.clip_border = normalizer, clip_border

    def encode(self, bboxes: torch.Tensor, gt_bboxes: torch.Tensor) -> torch.Tensor:
        return bboxes2tblr(bboxes, gt_bboxes, normalizer=self.normalizer)

    def decode(self, bboxes: torch.Tensor, pred_bboxes: torch.Tensor, max_shape=None) -> torch.Tensor:
        return tblr2bboxes(bboxes, pred_bboxes, normalizer=self.normalizer, max_shape=max_shape,
                           clip_border=self.clip_border)
