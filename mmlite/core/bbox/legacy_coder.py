"""mmdet 1.x's box deltas (``LegacyDeltaXYWHBBoxCoder``): widths and heights count pixels (``x2 - x1 + 1``)."""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

from .box_coders import BaseBBoxCoder
from .builder import BBOX_CODERS


def legacy_bbox2delta(proposals: torch.Tensor, gt: torch.Tensor, means: Sequence[float] = (0., 0., 0., 0.),
                      stds: Sequence[float] = (1., 1., 1., 1.)) -> torch.Tensor:
    """``(dx, dy, dw, dh)`` of ``gt`` relative to ``proposals`` with +1 sizes, then ``(d - means) / stds``."""
    if proposals.size() != gt.size():
        raise ValueError(f'proposals {tuple(proposals.shape)} and gt {tuple(gt.shape)} differ in shape')
    proposals, gt = proposals.float(), gt.float()
    pxy, gxy = (proposals[..., :2] + proposals[..., 2:]) * 0.5, (gt[..., :2] + gt[..., 2:]) * 0.5
    pwh, gwh = proposals[..., 2:] - proposals[..., :2] + 1.0, gt[..., 2:] - gt[..., :2] + 1.0
    deltas = torch.cat([(gxy - pxy) / pwh, torch.log(gwh / pwh)], dim=-1)
    return deltas.sub_(deltas.new_tensor(means).unsqueeze(0)).div_(deltas.new_tensor(stds).unsqueeze(0))


def legacy_delta2bbox(rois: torch.Tensor, deltas: torch.Tensor, means: Sequence[float] = (0., 0., 0., 0.),
                      stds: Sequence[float] = (1., 1., 1., 1.), max_shape=None,
                      wh_ratio_clip: float = 16 / 1000) -> torch.Tensor:
    """Apply ``(n, 4k)`` deltas to ``(n, 4)`` boxes with +1 sizes; clip to ``(0, size - 1)`` of ``max_shape``."""
    denorm = deltas * deltas.new_tensor(stds).repeat(1, deltas.size(1) // 4) + \
        deltas.new_tensor(means).repeat(1, deltas.size(1) // 4)
    max_ratio = np.abs(np.log(wh_ratio_clip))
    dx, dy = denorm[:, 0::4], denorm[:, 1::4]
    dw, dh = denorm[:, 2::4].clamp(min=-max_ratio, max=max_ratio), denorm[:, 3::4].clamp(min=-max_ratio, max=max_ratio)
    px = ((rois[:, 0] + rois[:, 2]) * 0.5).unsqueeze(1).expand_as(dx)
    py = ((rois[:, 1] + rois[:, 3]) * 0.5).unsqueeze(1).expand_as(dy)
    pw = (rois[:, 2] - rois[:, 0] + 1.0).unsqueeze(1).expand_as(dw)
    ph = (rois[:, 3] - rois[:, 1] + 1.0).unsqueeze(1).expand_as(dh)
    gw, gh, gx, gy = pw * dw.exp(), ph * dh.exp(), px + pw * dx, py + ph * dy
    corners = [gx - gw * 0.5, gy - gh * 0.5, gx + gw * 0.5, gy + gh * 0.5]
    if max_shape is not None:
        limits = (max_shape[1] - 1, max_shape[0] - 1) * 2
        corners = [c.clamp(min=0, max=limit) for c, limit in zip(corners, limits)]
    return torch.stack(corners, dim=-1).view_as(deltas)


@BBOX_CODERS.register_module()
class LegacyDeltaXYWHBBoxCoder(BaseBBoxCoder):
    """mmdet 1.x's delta coder, for its checkpoints and ``legacy_1.x`` configs (sizes are ``x2 - x1 + 1``)."""

    def __init__(self, target_means: Sequence[float] = (0., 0., 0., 0.),
                 target_stds: Sequence[float] = (1., 1., 1., 1.)):
        super().__init__()
        self.means, self.stds = target_means, target_stds

    def encode(self, bboxes: torch.Tensor, gt_bboxes: torch.Tensor) -> torch.Tensor:
        return legacy_bbox2delta(bboxes, gt_bboxes, self.means, self.stds)

    def decode(self, bboxes: torch.Tensor, pred_bboxes: torch.Tensor, max_shape=None,
               wh_ratio_clip: float = 16 / 1000) -> torch.Tensor:
        if pred_bboxes.size(0) != bboxes.size(0):
            raise ValueError(f'{bboxes.size(0)} boxes but {pred_bboxes.size(0)} predictions')
        return legacy_delta2bbox(bboxes, pred_bboxes, self.means, self.stds, max_shape, wh_ratio_clip)
