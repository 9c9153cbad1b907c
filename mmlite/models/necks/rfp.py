"""``RFP``: DetectoRS's recursive feature pyramid (an FPN whose outputs are fed back into a second backbone)."""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from ...cnn import constant_init, xavier_init
from ...runner import BaseModule, ModuleList
from ..builder import NECKS, build_backbone
from .fpn import FPN


class ASPP(BaseModule):
    """Atrous spatial pyramid pooling: ReLU'd convs at ``dilations`` (1x1 for dilation 1) and, last, a 1x1 conv
    of the global average, broadcast; concatenated (``len(dilations) * out_channels`` channels)."""

    def __init__(self, in_channels: int, out_channels: int, dilations=(1, 3, 6, 1),
                 init_cfg=dict(type='Kaiming', layer='Conv2d')):  # noqa: B006
        super().__init__(init_cfg)
        if dilations[-1] != 1:
            raise ValueError(f'ASPP: the last (global) branch needs dilation 1, got {dilations}')
        self.aspp = nn.ModuleList([
            nn.Conv2d(in_channels, out_channels, kernel_size=3 if d > 1 else 1, stride=1, dilation=d,
                      padding=d if d > 1 else 0, bias=True) for d in dilations])
        self.gap = nn.AdaptiveAvgPool2d(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = [F.relu_(conv(x)) for conv in self.aspp[:-1]]
        out.append(F.relu_(self.aspp[-1](self.gap(x))).expand_as(out[-1]))
        return torch.cat(out, dim=1)


@NECKS.register_module()
class RFP(FPN):
    """FPN over the backbone's outputs (its first input: the image, ``output_img=True``), then ``rfp_steps - 1``
    times: the pyramid (levels 2+ through :class:`ASPP`) fed back into a copy of the backbone
    (``rfp_backbone``, a ``DetectoRS_ResNet`` with ``rfp_inplanes``) rerun on the image, its FPN outputs
    blended with the previous ones by a learned sigmoid weight (``rfp_weight``, zero-initialised: half and
    half). Other arguments as :class:`FPN`; ``init_cfg`` is not accepted (as mmdet)."""

    def __init__(self, rfp_steps: int, rfp_backbone: dict, aspp_out_channels: int, aspp_dilations=(1, 3, 6, 1),
                 init_cfg=None, **kwargs):
        if init_cfg is not None:
            raise ValueError('RFP sets its own initialisation; remove neck.init_cfg')
        super().__init__(init_cfg=None, **kwargs)
        self.rfp_steps = rfp_steps
        self.rfp_modules = ModuleList([build_backbone(rfp_backbone) for _ in range(1, rfp_steps)])
        self.rfp_aspp = ASPP(self.out_channels, aspp_out_channels, aspp_dilations)
        self.rfp_weight = nn.Conv2d(self.out_channels, 1, kernel_size=1, stride=1, padding=0, bias=True)

    def init_weights(self) -> None:
        """As mmdet: Xavier FPN convs, each feedback backbone's own init, a zero ``rfp_weight`` (the ASPP
        keeps PyTorch's default init)."""
        for convs in (self.lateral_convs, self.fpn_convs):
            for module in convs.modules():
                if isinstance(module, nn.Conv2d):
                    xavier_init(module, distribution='uniform')
        for backbone in self.rfp_modules:
            backbone.init_weights()
        constant_init(self.rfp_weight, 0)

    def forward(self, inputs) -> tuple:
        inputs = list(inputs)
        if len(inputs) != len(self.in_channels) + 1:
            raise ValueError(f'RFP expects the image and {len(self.in_channels)} feature maps (set the '
                             f'backbone\'s output_img=True), got {len(inputs)} inputs')
        img = inputs.pop(0)
        x = super().forward(tuple(inputs))
        for backbone in self.rfp_modules:
            rfp_feats = [x[0]] + [self.rfp_aspp(x[i]) for i in range(1, len(x))]
            x_new = super().forward(backbone.rfp_forward(img, rfp_feats))
            blended = []
            for new, old in zip(x_new, x):
                weight = torch.sigmoid(self.rfp_weight(new))
                blended.append(weight * new + (1 - weight) * old)
            x = blended
        return tuple(x)
