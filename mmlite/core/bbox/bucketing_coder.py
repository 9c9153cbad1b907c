"""``BucketingBBoxCoder``: SABL's side-aware boundary localisation (bucket classification plus fine offsets)."""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from .box_coders import BaseBBoxCoder
from .builder import BBOX_CODERS
from .transforms import bbox_rescale


def generat_buckets(proposals: torch.Tensor, num_buckets: int, scale_factor: float = 1.0) -> tuple:
    """Bucket widths ``(n,)``/heights and the bucket centres of each side, ``(n, ceil(num_buckets / 2))`` each
    (left, right, top, bottom; numbered from the side inwards), of the proposals scaled by ``scale_factor``.
    (mmdet's name, typo included.)"""
    proposals = bbox_rescale(proposals, scale_factor)
    side_num = math.ceil(num_buckets / 2.0)
    x1, y1, x2, y2 = proposals.unbind(-1)
    bucket_w, bucket_h = (x2 - x1) / num_buckets, (y2 - y1) / num_buckets
    steps = (0.5 + torch.arange(0, side_num).to(proposals).float())[None, :]
    return (bucket_w, bucket_h, x1[:, None] + steps * bucket_w[:, None], x2[:, None] - steps * bucket_w[:, None],
            y1[:, None] + steps * bucket_h[:, None], y2[:, None] - steps * bucket_h[:, None])


def bbox2bucket(proposals: torch.Tensor, gt: torch.Tensor, num_buckets: int, scale_factor: float,
                offset_topk: int = 2, offset_upperbound: float = 1.0, cls_ignore_neighbor: bool = True) -> tuple:
    """Targets of SABL: per side, the bucket nearest the gt's side (one-hot labels; with ``cls_ignore_neighbor``
    the other buckets within one bucket of it are ignored) and every bucket's offset to it in bucket units (the
    nearest bucket always weighted, the next ``offset_topk - 1`` ones while closer than ``offset_upperbound``).

    Returns:
        ``(offsets, offset_weights, bucket_labels, bucket_cls_weights)``, each ``(n, 4 * side_num)`` in
        left, right, top, bottom order.
    """
    if proposals.size() != gt.size():
        raise ValueError(f'bbox2bucket: proposals {tuple(proposals.shape)} and gts {tuple(gt.shape)} differ')
    proposals, gt = proposals.float(), gt.float()
    bucket_w, bucket_h, *sides = generat_buckets(proposals, num_buckets, scale_factor)
    units = (bucket_w, bucket_w, bucket_h, bucket_h)
    targets = gt.unbind(-1)
    side_targets = (targets[0], targets[2], targets[1], targets[3])
    offsets = [(buckets - target[:, None]) / unit[:, None]
               for buckets, target, unit in zip(sides, side_targets, units)]
    rows = torch.arange(proposals.size(0), device=proposals.device)
    weights, labels = [], []
    for offset in offsets:
        nearest, label = offset.abs().topk(offset_topk, dim=1, largest=False, sorted=True)
        weight = offset.new_zeros(offset.size())
        weight[rows, label[:, 0]] = 1.0
        for k in range(1, offset_topk):
            weight[rows, label[:, k]] = (nearest[:, k] < offset_upperbound).float()
        weights.append(weight)
        labels.append(label[:, 0])
    side_num = offsets[0].size(1)
    bucket_labels = F.one_hot(torch.stack(labels, dim=-1).view(-1), side_num).view(len(rows), -1).float()
    near = torch.cat([offset.abs() < 1 for offset in offsets], dim=-1)
    cls_weights = (~(near & (bucket_labels == 0))).float() if cls_ignore_neighbor else torch.ones_like(bucket_labels)
    return torch.cat(offsets, dim=-1), torch.cat(weights, dim=-1), bucket_labels, cls_weights


def bucket2bbox(proposals: torch.Tensor, cls_preds: torch.Tensor, offset_preds: torch.Tensor, num_buckets: int,
                scale_factor: float = 1.0, max_shape=None, clip_border: bool = True) -> tuple:
    """Boxes from each side's most likely bucket and its predicted offset, and a localisation confidence
    (mean over the sides of the top bucket probability, plus the second's when it is the neighbour).

    Returns:
        ``(bboxes (n, 4), loc_confidence (n,))``.
    """
    side_num = math.ceil(num_buckets / 2.0)
    probs = F.softmax(cls_preds.view(-1, side_num), dim=1)
    top_probs, top_buckets = probs.topk(2, dim=1, largest=True, sorted=True)
    x1, y1, x2, y2 = bbox_rescale(proposals, scale_factor).unbind(-1)
    bucket_w, bucket_h = (x2 - x1) / num_buckets, (y2 - y1) / num_buckets
    best = top_buckets[:, 0].view(-1, 4)  # per proposal: left, right, top, bottom
    offsets = offset_preds.view(-1, 4, side_num).gather(2, best[:, :, None]).squeeze(2)
    centres = 0.5 + best.float()
    left = x1 + centres[:, 0] * bucket_w - offsets[:, 0] * bucket_w
    right = x2 - centres[:, 1] * bucket_w - offsets[:, 1] * bucket_w
    top = y1 + centres[:, 2] * bucket_h - offsets[:, 2] * bucket_h
    bottom = y2 - centres[:, 3] * bucket_h - offsets[:, 3] * bucket_h
    if clip_border and max_shape is not None:
        left, right = left.clamp(min=0, max=max_shape[1] - 1), right.clamp(min=0, max=max_shape[1] - 1)
        top, bottom = top.clamp(min=0, max=max_shape[0] - 1), bottom.clamp(min=0, max=max_shape[0] - 1)
    neighbours = ((top_buckets[:, 0] - top_buckets[:, 1]).abs() == 1).float()
    confidence = (top_probs[:, 0] + top_probs[:, 1] * neighbours).view(-1, 4).mean(dim=1)
    return torch.stack([left, top, right, bottom], dim=-1), confidence


@BBOX_CODERS.register_module()
class BucketingBBoxCoder(BaseBBoxCoder):
    """SABL's coder (Wang et al., 2020): each side of a box is located by classifying which of ``num_buckets / 2``
    buckets (of the proposal scaled by ``scale_factor``) holds it, then regressing the offset within it.

    Args:
        num_buckets: Buckets across a scaled proposal. scale_factor: Proposal scaling.
        offset_topk / offset_upperbound: Offset targets kept per side (see :func:`bbox2bucket`).
        cls_ignore_neighbor: Ignore the buckets next to the true one in the bucket classification.
        clip_border: Clip decoded boxes to the image.
    """

    def __init__(self, num_buckets: int, scale_factor: float, offset_topk: int = 2, offset_upperbound: float = 1.0,
                 cls_ignore_neighbor: bool = True, clip_border: bool = True):
        super().__init__()
        self.num_buckets, self.scale_factor = num_buckets, scale_factor
        self.offset_topk, self.offset_upperbound = offset_topk, offset_upperbound
        self.cls_ignore_neighbor, self.clip_border = cls_ignore_neighbor, clip_border

    def encode(self, bboxes: torch.Tensor, gt_bboxes: torch.Tensor) -> tuple:
        """``(offsets, offset_weights, bucket_labels, bucket_cls_weights)`` of ``gt_bboxes`` on ``bboxes``."""
        if bboxes.size(-1) != 4 or gt_bboxes.size(-1) != 4:
            raise ValueError('BucketingBBoxCoder.encode expects (n, 4) boxes')
        return bbox2bucket(bboxes, gt_bboxes, self.num_buckets, self.scale_factor, self.offset_topk,
                           self.offset_upperbound, self.cls_ignore_neighbor)

    def decode(self, bboxes: torch.Tensor, pred_bboxes, max_shape=None) -> tuple:
        """``(boxes, loc_confidence)`` from ``pred_bboxes = (bucket_cls_preds, offset_preds)``."""
        cls_preds, offset_preds = pred_bboxes
        if cls_preds.size(0) != bboxes.size(0) or offset_preds.size(0) != bboxes.size(0):
            raise ValueError('BucketingBBoxCoder.decode: one prediction per box expected')
        return bucket2bbox(bboxes, cls_preds, offset_preds, self.num_buckets, self.scale_factor, max_shape,
                           self.clip_border)
