"""SCNet's mask-side heads: ``SCNetMaskHead`` and ``SCNetSemanticHead`` (their convs as residual blocks),
``FeatureRelayHead`` (box features to the mask branch) and ``GlobalContextHead`` (image-level context)."""
from __future__ import annotations

import torch
import torch.nn as nn

from ....cnn import ConvModule
from ....runner import BaseModule, auto_fp16, force_fp32
from ...backbones.resnet import ResLayer
from ...builder import HEADS
from ...utils.res_layer import SimplifiedBasicBlock
from .fcn_mask_head import FCNMaskHead
from .fused_semantic_head import FusedSemanticHead


def residual_convs(num_convs: int, in_channels: int, out_channels: int, conv_cfg, norm_cfg) -> ResLayer:
    """``num_convs // 2`` ``SimplifiedBasicBlock``s in place of ``num_convs`` 3x3 convs."""
    return ResLayer(SimplifiedBasicBlock, in_channels, out_channels, num_convs // 2, conv_cfg=conv_cfg,
                    norm_cfg=norm_cfg)


@HEADS.register_module()
class SCNetMaskHead(FCNMaskHead):
    """``FCNMaskHead`` whose convs are residual blocks (``conv_to_res``; 3x3 kernels)."""

    def __init__(self, conv_to_res: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.conv_to_res = conv_to_res
        if conv_to_res:
            if self.conv_kernel_size != 3:
                raise ValueError('SCNetMaskHead with conv_to_res needs conv_kernel_size=3, got '
                                 f'{self.conv_kernel_size}')
            self.num_res_blocks = self.num_convs // 2
            self.convs = residual_convs(self.num_convs, self.in_channels, self.conv_out_channels, self.conv_cfg,
                                        self.norm_cfg)


@HEADS.register_module()
class SCNetSemanticHead(FusedSemanticHead):
    """``FusedSemanticHead`` whose convs are residual blocks (``conv_to_res``)."""

    def __init__(self, conv_to_res: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.conv_to_res = conv_to_res
        if conv_to_res:
            self.convs = residual_convs(self.num_convs, self.in_channels, self.conv_out_channels, self.conv_cfg,
                                        self.norm_cfg)
            self.num_convs = self.num_convs // 2


@HEADS.register_module()
class FeatureRelayHead(BaseModule):
    """A linear map of the box head's shared feature to ``out_conv_channels x roi_feat_size^2`` maps,
    upsampled ``scale_factor`` times (bilinear, aligned corners) to the mask RoI size; None for no RoIs."""

    def __init__(self, in_channels: int = 1024, out_conv_channels: int = 256, roi_feat_size: int = 7,
                 scale_factor: int = 2, init_cfg=dict(type='Kaiming', layer='Linear')):  # noqa: B006
        super().__init__(init_cfg)
        if not isinstance(roi_feat_size, int):
            raise TypeError(f'FeatureRelayHead.roi_feat_size must be an int, got {roi_feat_size!r}')
        self.in_channels, self.out_conv_channels, self.roi_feat_size = in_channels, out_conv_channels, roi_feat_size
        self.out_channels, self.scale_factor = roi_feat_size**2 * out_conv_channels, scale_factor
        self.fp16_enabled = False
        self.fc = nn.Linear(in_channels, self.out_channels)
        self.upsample = nn.Upsample(scale_factor=scale_factor, mode='bilinear', align_corners=True)

    @auto_fp16()
    def forward(self, x: torch.Tensor) -> torch.Tensor | None:
        if x.shape[0] == 0:
            return None
        x = self.fc(x).reshape(x.shape[0], self.out_conv_channels, self.roi_feat_size, self.roi_feat_size)
        return self.upsample(x)


@HEADS.register_module()
class GlobalContextHead(BaseModule):
    """Convs over the coarsest level, global average pooling, and a multi-label classifier of the classes
    present in the image (``loss_glbctx``: BCE x ``loss_weight``); returns ``(logits, pooled feature)``."""

    def __init__(self, num_convs: int = 4, in_channels: int = 256, conv_out_channels: int = 256,
                 num_classes: int = 80, loss_weight: float = 1.0, conv_cfg=None, norm_cfg=None,
                 conv_to_res: bool = False,
                 init_cfg=dict(type='Normal', std=0.01, override=dict(name='fc'))):  # noqa: B006
        super().__init__(init_cfg)
        self.num_convs, self.in_channels, self.conv_out_channels = num_convs, in_channels, conv_out_channels
        self.num_classes, self.loss_weight = num_classes, loss_weight
        self.conv_cfg, self.norm_cfg, self.conv_to_res = conv_cfg, norm_cfg, conv_to_res
        self.fp16_enabled = False
        if conv_to_res:
            self.convs = residual_convs(num_convs, in_channels, conv_out_channels, conv_cfg, norm_cfg)
            self.num_convs = num_convs // 2
        else:
            self.convs = nn.ModuleList(
                ConvModule(in_channels if i == 0 else conv_out_channels, conv_out_channels, 3, padding=1,
                           conv_cfg=conv_cfg, norm_cfg=norm_cfg) for i in range(num_convs))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(conv_out_channels, num_classes)
        self.criterion = nn.BCEWithLogitsLoss()

    @auto_fp16()
    def forward(self, feats) -> tuple[torch.Tensor, torch.Tensor]:
        x = feats[-1]
        for conv in self.convs:
            x = conv(x)
        x = self.pool(x)
        return self.fc(x.flatten(1)), x

    @force_fp32(apply_to=('pred', ))
    def loss(self, pred: torch.Tensor, labels: list) -> torch.Tensor:
        """BCE against each image's set of present classes."""
        targets = torch.zeros_like(pred)
        for i, label in enumerate(labels):
            targets[i, label.unique()] = 1.0
        return self.loss_weight * self.criterion(pred, targets)
