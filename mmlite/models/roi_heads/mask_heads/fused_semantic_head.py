"""``FusedSemanticHead``: HTC's semantic segmentation branch over all FPN levels."""
from __future__ import annotations

import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F

from ....cnn import ConvModule
from ....runner import BaseModule, auto_fp16, force_fp32
from ...builder import HEADS, build_loss


@HEADS.register_module()
class FusedSemanticHead(BaseModule):
    """Fuse every level at ``fusion_level``'s resolution, predict stuff+thing classes, and embed.

    Each level goes through its own 1x1 lateral ConvModule and is resized (bilinear, aligned corners) to
    level ``fusion_level``; the sum passes ``num_convs`` 3x3 ConvModules, then a 1x1 conv gives the
    segmentation logits and a 1x1 ConvModule the semantic feature the RoI heads fuse with.

    Args:
        num_ins: Number of input levels.
        fusion_level: Level whose resolution the fused map has.
        num_convs / in_channels / conv_out_channels: The conv stack.
        num_classes: Segmentation classes (183 for COCO-stuff maps).
        ignore_label / loss_weight: Deprecated; set ``ignore_index`` / ``loss_weight`` in ``loss_seg``.
        loss_seg: Segmentation loss (softmax cross-entropy ignoring 255, weight 0.2).
    """

    num_class_check = False  # its classes are the segmentation maps', not the detection dataset's

    def __init__(self, num_ins: int, fusion_level: int, num_convs: int = 4, in_channels: int = 256,
                 conv_out_channels: int = 256, num_classes: int = 183, conv_cfg=None, norm_cfg=None,
                 ignore_label=None, loss_weight=None,
                 loss_seg=dict(type='CrossEntropyLoss', ignore_index=255, loss_weight=0.2),  # noqa: B006
                 init_cfg=dict(type='Kaiming', override=dict(name='conv_logits'))):  # noqa: B006
        super().__init__(init_cfg)
        if not 0 <= fusion_level < num_ins:
            raise ValueError(f'FusedSemanticHead: fusion_level={fusion_level} is not one of the {num_ins} inputs')
        self.num_ins, self.fusion_level, self.num_convs = num_ins, fusion_level, num_convs
        self.in_channels, self.conv_out_channels, self.num_classes = in_channels, conv_out_channels, num_classes
        self.conv_cfg, self.norm_cfg = conv_cfg, norm_cfg
        self.fp16_enabled = False
        conv_args = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg)
        self.lateral_convs = nn.ModuleList(
            [ConvModule(in_channels, in_channels, 1, inplace=False, **conv_args) for _ in range(num_ins)])
        self.convs = nn.ModuleList([
            ConvModule(in_channels if i == 0 else conv_out_channels, conv_out_channels, 3, padding=1, **conv_args)
            for i in range(num_convs)])
        self.conv_embedding = ConvModule(conv_out_channels, conv_out_channels, 1, **conv_args)
        self.conv_logits = nn.Conv2d(conv_out_channels, num_classes, 1)
        self.criterion = build_loss(_deprecated_loss_args(loss_seg, ignore_label, loss_weight))

    @auto_fp16()
    def forward(self, feats) -> tuple[torch.Tensor, torch.Tensor]:
        """``(segmentation logits, semantic feature)``, both at level ``fusion_level``'s size."""
        if len(feats) < self.num_ins:
            raise ValueError(f'FusedSemanticHead expects {self.num_ins} feature levels (num_ins), got {len(feats)}')
        x = self.lateral_convs[self.fusion_level](feats[self.fusion_level])
        size = tuple(x.shape[-2:])
        for i in range(self.num_ins):
            if i != self.fusion_level:
                x = x + self.lateral_convs[i](F.interpolate(feats[i], size=size, mode='bilinear', align_corners=True))
        for conv in self.convs:
            x = conv(x)
        return self.conv_logits(x), self.conv_embedding(x)

    @force_fp32(apply_to=('mask_pred', ))
    def loss(self, mask_pred: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """The loss against ``(n, 1, H, W)`` label maps, resized (nearest) to the prediction's size."""
        labels = F.interpolate(labels.float(), size=mask_pred.shape[-2:], mode='nearest').squeeze(1).long()
        return self.criterion(mask_pred, labels)


def _deprecated_loss_args(loss_seg: dict, ignore_label, loss_weight) -> dict:
    """``loss_seg`` with the deprecated ``ignore_label``/``loss_weight`` arguments applied (on a copy)."""
    loss_seg = dict(loss_seg)
    if ignore_label is not None or loss_weight is not None:
        warnings.warn('FusedSemanticHead: ignore_label and loss_weight are deprecated; set ignore_index and '
                      'loss_weight in loss_seg instead', DeprecationWarning)
    if ignore_label is not None:
        loss_seg['ignore_index'] = ignore_label
    if loss_weight is not None:
        loss_seg['loss_weight'] = loss_weight
    return loss_seg
