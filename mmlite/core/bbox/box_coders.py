"""Box coders: ``DeltaXYWHBBoxCoder`` (R-CNN deltas normalised by ``target_means``/``target_stds``),
``DistancePointBBoxCoder`` (point-to-side distances) and ``PseudoBBoxCoder``."""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

from .builder import BBOX_CODERS
from .transforms import bbox2distance, distance2bbox


class BaseBBoxCoder:
    """Encode boxes into regression targets and decode predictions back into boxes."""

    def __init__(self, **kwargs):
        pass

    def encode(self, bboxes, gt_bboxes):
        raise NotImplementedError

    def decode(self, bboxes, bboxes_pred):
        raise NotImplementedError


def bbox2delta(proposals: torch.Tensor, gt: torch.Tensor, means: Sequence[float] = (0., 0., 0., 0.),
               stds: Sequence[float] = (1., 1., 1., 1.)) -> torch.Tensor:
    """``(dx, dy, dw, dh)`` of ``gt`` relative to ``proposals``, then ``(d - means) / stds``."""
    if proposals.size() != gt.size():
        raise ValueError(f'proposals {tuple(proposals.shape)} and gt {tuple(gt.shape)} differ in shape')
    proposals, gt = proposals.float(), gt.float()
    px, py = (proposals[..., 0] + proposals[..., 2]) * 0.5, (proposals[..., 1] + proposals[..., 3]) * 0.5
    pw, ph = proposals[..., 2] - proposals[..., 0], proposals[..., 3] - proposals[..., 1]
    gx, gy = (gt[..., 0] + gt[..., 2]) * 0.5, (gt[..., 1] + gt[..., 3]) * 0.5
    gw, gh = gt[..., 2] - gt[..., 0], gt[..., 3] - gt[..., 1]
    deltas = torch.stack([(gx - px) / pw, (gy - py) / ph, torch.log(gw / pw), torch.log(gh / ph)], dim=-1)
    return deltas.sub_(deltas.new_tensor(means).unsqueeze(0)).div_(deltas.new_tensor(stds).unsqueeze(0))


def delta2bbox(rois: torch.Tensor, deltas: torch.Tensor, means: Sequence[float] = (0., 0., 0., 0.),
               stds: Sequence[float] = (1., 1., 1., 1.), max_shape=None, wh_ratio_clip: float = 16 / 1000,
               clip_border: bool = True, add_ctr_clamp: bool = False, ctr_clamp: int = 32) -> torch.Tensor:
    """Apply ``(n, 4k)`` deltas to ``(n, 4)`` boxes (k classes); clip to ``max_shape = (h, w)``."""
    num_bboxes, num_classes = deltas.size(0), deltas.size(1) // 4
    if num_bboxes == 0:
        return deltas
    deltas = deltas.reshape(-1, 4)
    denorm = deltas * deltas.new_tensor(stds).view(1, -1) + deltas.new_tensor(means).view(1, -1)
    dxy, dwh = denorm[:, :2], denorm[:, 2:]
    rois_ = rois.repeat(1, num_classes).reshape(-1, 4)
    pxy = (rois_[:, :2] + rois_[:, 2:]) * 0.5
    pwh = rois_[:, 2:] - rois_[:, :2]
    dxy_wh = pwh * dxy
    max_ratio = np.abs(np.log(wh_ratio_clip))
    if add_ctr_clamp:
        dxy_wh = torch.clamp(dxy_wh, max=ctr_clamp, min=-ctr_clamp)
        dwh = torch.clamp(dwh, max=max_ratio)
    else:
        dwh = dwh.clamp(min=-max_ratio, max=max_ratio)
    gxy = pxy + dxy_wh
    gwh = pwh * dwh.exp()
    bboxes = torch.cat([gxy - gwh * 0.5, gxy + gwh * 0.5], dim=-1)
    if clip_border and max_shape is not None:
        bboxes[..., 0::2].clamp_(min=0, max=max_shape[1])
        bboxes[..., 1::2].clamp_(min=0, max=max_shape[0])
    return bboxes.reshape(num_bboxes, -1)


@BBOX_CODERS.register_module()
class DeltaXYWHBBoxCoder(BaseBBoxCoder):
    """Encode ``(x1, y1, x2, y2)`` boxes as normalised centre/size deltas (R-CNN).

    Args:
        target_means / target_stds: Normalisation of the deltas.
        clip_border: Clip decoded boxes to the image. Defaults to True.
        add_ctr_clamp / ctr_clamp: Clamp centre shifts (in pixels). Defaults to False / 32.
    """

    def __init__(self, target_means: Sequence[float] = (0., 0., 0., 0.),
                 target_stds: Sequence[float] = (1., 1., 1., 1.), clip_border: bool = True,
                 add_ctr_clamp: bool = False, ctr_clamp: int = 32):
        super().__init__()
        self.means, self.stds = target_means, target_stds
        self.clip_border, self.add_ctr_clamp, self.ctr_clamp = clip_border, add_ctr_clamp, ctr_clamp

    def encode(self, bboxes: torch.Tensor, gt_bboxes: torch.Tensor) -> torch.Tensor:
        if bboxes.size(0) != gt_bboxes.size(0) or bboxes.size(-1) != 4 or gt_bboxes.size(-1) != 4:
            raise ValueError('encode needs matching (n, 4) boxes and ground truth')
        return bbox2delta(bboxes, gt_bboxes, self.means, self.stds)

    def decode(self, bboxes: torch.Tensor, pred_bboxes: torch.Tensor, max_shape=None,
               wh_ratio_clip: float = 16 / 1000) -> torch.Tensor:
        if pred_bboxes.size(0) != bboxes.size(0):
            raise ValueError(f'{pred_bboxes.size(0)} predictions for {bboxes.size(0)} boxes')
        if pred_bboxes.ndim == 3:  # batched (B, n, 4k)
            batch = pred_bboxes.size(0)
            return torch.stack([self.decode(bboxes[i], pred_bboxes[i], max_shape, wh_ratio_clip)
                                for i in range(batch)])
        return delta2bbox(bboxes, pred_bboxes, self.means, self.stds, max_shape, wh_ratio_clip,
                          self.clip_border, self.add_ctr_clamp, self.ctr_clamp)


@BBOX_CODERS.register_module()
class PseudoBBoxCoder(BaseBBoxCoder):
    """A coder that changes nothing: targets are the ground-truth boxes, predictions are boxes."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)

    def encode(self, bboxes: torch.Tensor, gt_bboxes: torch.Tensor) -> torch.Tensor:
        return gt_bboxes

    def decode(self, bboxes: torch.Tensor, pred_bboxes: torch.Tensor) -> torch.Tensor:
        return pred_bboxes


@BBOX_CODERS.register_module()
class DistancePointBBoxCoder(BaseBBoxCoder):
    """Boxes as a point's distances to their four sides (FCOS, ATSS-style anchor-free heads).

    Args:
        clip_border: Clip decoded boxes to the image. Defaults to True.
    """

    def __init__(self, clip_border: bool = True):
        super().__init__()
        self.clip_border = clip_border

    def encode(self, points: torch.Tensor, gt_bboxes: torch.Tensor, max_dis: float | None = None,
               eps: float = 0.1) -> torch.Tensor:
        """``(left, top, right, bottom)`` distances, capped at ``max_dis - eps`` when given."""
        return bbox2distance(points, gt_bboxes, max_dis, eps)

    def decode(self, points: torch.Tensor, pred_bboxes: torch.Tensor, max_shape=None) -> torch.Tensor:
        """Boxes from distances, clipped to ``max_shape`` when ``clip_border``."""
        return distance2bbox(points, pred_bboxes, max_shape if self.clip_border else None)


@BBOX_CODERS.register_module()
class YOLOBBoxCoder(BaseBBoxCoder):
    """YOLOv3's encoding: the centre offset within the stride cell (in ``[eps, 1 - eps]``, predicted through a
    sigmoid) and the log of the size ratio to the anchor.

    Args:
        eps: Clamp margin. Defaults to 1e-6.
    """

    def __init__(self, eps: float = 1e-6):
        super().__init__()
        self.eps = eps

    def encode(self, bboxes: torch.Tensor, gt_bboxes: torch.Tensor, stride) -> torch.Tensor:
        """``(cx offset, cy offset, log w ratio, log h ratio)`` of ``gt_bboxes`` relative to anchors ``bboxes``."""
        if bboxes.size(0) != gt_bboxes.size(0) or bboxes.size(-1) != 4 or gt_bboxes.size(-1) != 4:
            raise ValueError(f'YOLOBBoxCoder.encode: (n, 4) anchors and gts, got {tuple(bboxes.shape)} and '
                             f'{tuple(gt_bboxes.shape)}')
        centers_gt, sizes_gt = (gt_bboxes[..., :2] + gt_bboxes[..., 2:]) * 0.5, gt_bboxes[..., 2:] - gt_bboxes[..., :2]
        centers, sizes = (bboxes[..., :2] + bboxes[..., 2:]) * 0.5, bboxes[..., 2:] - bboxes[..., :2]
        stride = stride[..., None] if isinstance(stride, torch.Tensor) and stride.dim() else stride
        offsets = ((centers_gt - centers) / stride + 0.5).clamp(self.eps, 1 - self.eps)
        return torch.cat([offsets, torch.log((sizes_gt / sizes).clamp(min=self.eps))], dim=-1)

    def decode(self, bboxes: torch.Tensor, pred_bboxes: torch.Tensor, stride) -> torch.Tensor:
        """Boxes from anchors and (sigmoid-activated offsets, log size ratios)."""
        if pred_bboxes.size(-1) != 4 or bboxes.size(-1) != 4:
            raise ValueError('YOLOBBoxCoder.decode: boxes and predictions must have 4 columns')
        centers = (bboxes[..., :2] + bboxes[..., 2:]) * 0.5 + (pred_bboxes[..., :2] - 0.5) * stride
        half_sizes = (bboxes[..., 2:] - bboxes[..., :2]) * 0.5 * pred_bboxes[..., 2:].exp()
        return torch.cat([centers - half_sizes, centers + half_sizes], dim=-1)
