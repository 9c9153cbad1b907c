"""``HTCMaskHead``: an FCN mask head that also takes and returns the mask feature (HTC's information flow)."""
from __future__ import annotations

import torch

from ....cnn import ConvModule
from ...builder import HEADS
from .fcn_mask_head import FCNMaskHead


@HEADS.register_module()
class HTCMaskHead(FCNMaskHead):
    """Hybrid Task Cascade's mask head (Chen et al., 2019).

    ``forward(x, res_feat)`` adds ``conv_res(res_feat)`` (the previous stage's mask feature, through a
    1x1 ConvModule) to the RoI features before the convs, and returns the logits and/or the feature
    after the convs for the next stage.

    Args:
        with_conv_res: Build ``conv_res`` (False for the first stage, which has no predecessor).
        Other arguments: as ``FCNMaskHead``.
    """

    def __init__(self, with_conv_res: bool = True, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.with_conv_res = with_conv_res
        if with_conv_res:
            self.conv_res = ConvModule(self.conv_out_channels, self.conv_out_channels, 1, conv_cfg=self.conv_cfg,
                                       norm_cfg=self.norm_cfg)

    def forward(self, x, res_feat: torch.Tensor | None = None, return_logits: bool = True, return_feat: bool = True):
        """Logits, feature, or ``[logits, feature]`` when both are asked for (mmdet's return convention)."""
        if not (return_logits or return_feat):
            raise ValueError('HTCMaskHead.forward: return_logits and return_feat are both False')
        if res_feat is not None:
            if not self.with_conv_res:
                raise ValueError('HTCMaskHead got the previous stage\'s mask feature but was built with '
                                 'with_conv_res=False (only the first stage of a cascade has no predecessor)')
            x = x + self.conv_res(res_feat)
        for conv in self.convs:
            x = conv(x)
        feat = x
        outs = []
        if return_logits:
            outs.append(self.forward_logits(x))
        if return_feat:
            outs.append(feat)
        return outs if len(outs) > 1 else outs[0]
