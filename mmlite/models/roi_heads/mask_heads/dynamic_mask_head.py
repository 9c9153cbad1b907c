"""``DynamicMaskHead``: QueryInst's mask head, RoI features modulated by the proposal's feature."""
from __future__ import annotations

import torch
import torch.nn as nn

from ....core.utils import reduce_mean
from ....runner import auto_fp16, force_fp32
from ...builder import HEADS
from ...utils.dynamic_conv import DynamicConv
from .fcn_mask_head import FCNMaskHead


@HEADS.register_module()
class DynamicMaskHead(FCNMaskHead):
    """A ``DynamicConv`` (no projection) of each proposal's attention feature with its 14x14 RoI features, then
    ``FCNMaskHead``'s convs, upsampling and per-class logits; trained with a Dice loss on the label's mask
    (``avg_factor``: the matched proposals across processes).

    Args:
        dynamic_conv_cfg: ``DynamicConv`` arguments (``type='DynamicConv'``, ``with_proj=False``).
        The rest: as ``FCNMaskHead`` (``class_agnostic`` must be False).
    """

    def __init__(self, num_convs: int = 4, roi_feat_size=14, in_channels: int = 256, conv_kernel_size: int = 3,
                 conv_out_channels: int = 256, num_classes: int = 80, class_agnostic: bool = False,
                 upsample_cfg=dict(type='deconv', scale_factor=2), conv_cfg=None, norm_cfg=None,  # noqa: B006
                 dynamic_conv_cfg=dict(type='DynamicConv', in_channels=256, feat_channels=64,  # noqa: B006
                                       out_channels=256, input_feat_shape=14, with_proj=False,
                                       act_cfg=dict(type='ReLU', inplace=True), norm_cfg=dict(type='LN')),
                 loss_mask=dict(type='DiceLoss', loss_weight=8.0), **kwargs):  # noqa: B006
        if class_agnostic:
            raise ValueError('DynamicMaskHead supports only class_agnostic=False (as mmdet)')
        super().__init__(num_convs=num_convs, roi_feat_size=roi_feat_size, in_channels=in_channels,
                         conv_kernel_size=conv_kernel_size, conv_out_channels=conv_out_channels,
                         num_classes=num_classes, class_agnostic=class_agnostic, upsample_cfg=upsample_cfg,
                         conv_cfg=conv_cfg, norm_cfg=norm_cfg, loss_mask=loss_mask, **kwargs)
        self.fp16_enabled = False
        conv_cfg = dict(dynamic_conv_cfg)
        if conv_cfg.pop('type', 'DynamicConv') != 'DynamicConv':
            raise ValueError(f'DynamicMaskHead.dynamic_conv_cfg.type must be DynamicConv, got '
                             f'{dynamic_conv_cfg["type"]!r}')
        self.instance_interactive_conv = DynamicConv(**conv_cfg)

    def init_weights(self) -> None:
        for param in self.parameters():
            if param.dim() > 1:
                nn.init.xavier_uniform_(param)
        nn.init.constant_(self.conv_logits.bias, 0.0)

    @auto_fp16()
    def forward(self, roi_feat: torch.Tensor, proposal_feat: torch.Tensor) -> torch.Tensor:
        modulated = self.instance_interactive_conv(proposal_feat.reshape(-1, self.in_channels), roi_feat)
        x = modulated.permute(0, 2, 1).reshape(roi_feat.shape)
        for conv in self.convs:
            x = conv(x)
        return self.forward_logits(x)

    @force_fp32(apply_to=('mask_pred', ))
    def loss(self, mask_pred, mask_targets, labels) -> dict:
        if mask_pred.shape[0] == 0:
            return dict(loss_mask=mask_pred.sum())
        avg_factor = torch.clamp(reduce_mean(labels.new_ones(labels.shape).float().sum()), min=1.0).item()
        rows = torch.arange(mask_pred.shape[0], device=mask_pred.device)
        return dict(loss_mask=self.loss_mask(mask_pred[rows, labels].sigmoid(), mask_targets, avg_factor=avg_factor))
