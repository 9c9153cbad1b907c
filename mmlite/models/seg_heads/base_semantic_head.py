"""``BaseSemanticHead``: per-pixel class logits from FPN features, their loss and test-time resizing."""
from __future__ import annotations

from abc import ABCMeta, abstractmethod

import torch
import torch.nn.functional as F

from ...runner import BaseModule, force_fp32
from ..builder import build_loss
from ..utils import interpolate_as


class BaseSemanticHead(BaseModule, metaclass=ABCMeta):
    """A semantic segmentation head over ``num_classes`` channels; ``forward`` returns
    ``dict(seg_preds=(N, C, h, w) logits, feats=...)``."""

    num_class_check = False  # its channels are the head's own (e.g. Panoptic FPN: stuff + one "thing" class)

    def __init__(self, num_classes: int, init_cfg=None,
                 loss_seg: dict = dict(type='CrossEntropyLoss', ignore_index=255, loss_weight=1.0)):  # noqa: B006
        super().__init__(init_cfg)
        self.loss_seg = build_loss(loss_seg)
        self.num_classes = num_classes

    @force_fp32(apply_to=('seg_preds', ))
    def loss(self, seg_preds: torch.Tensor, gt_semantic_seg: torch.Tensor) -> dict:
        """``loss_seg`` of the logits (resized to the target's size) against ``(N, [1,] H, W)`` labels."""
        seg_preds = interpolate_as(seg_preds, gt_semantic_seg)
        seg_preds = seg_preds.permute(0, 2, 3, 1).reshape(-1, self.num_classes)
        return dict(loss_seg=self.loss_seg(seg_preds, gt_semantic_seg.reshape(-1).long()))

    @abstractmethod
    def forward(self, x) -> dict:
        """``dict(seg_preds=..., feats=...)`` of the multi-level features ``x``."""

    def forward_train(self, x, gt_semantic_seg: torch.Tensor) -> dict:
        return self.loss(self.forward(x)['seg_preds'], gt_semantic_seg)

    def simple_test(self, x, img_metas: list, rescale: bool = False) -> list:
        """Per image ``(C, H, W)`` logits at its padded input size, or (``rescale``) cropped to the
        resized image and resized to the original one."""
        seg_preds = self.forward(x)['seg_preds']
        out = []
        for pred, meta in zip(seg_preds, img_metas):
            pred = F.interpolate(pred[None], size=meta['pad_shape'][:2], mode='bilinear', align_corners=False)
            if rescale:
                h, w = meta['img_shape'][:2]
                pred = F.interpolate(pred[:, :, :h, :w], size=meta['ori_shape'][:2], mode='bilinear',
                                     align_corners=False)
            out.append(pred[0])
        return out
