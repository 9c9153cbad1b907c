"""``NASFCOSHead``: FCOS with NAS-FCOS's searched towers (deformable, 3x3, deformable, 1x1)."""
from __future__ import annotations

import torch.nn as nn

from ...cnn import ConvModule, Scale
from ..builder import HEADS
from .fcos_head import FCOSHead

# the searched tower: (conv type, kernel, padding, bias, deform groups)
_ARCH = (('DCNv2', 3, 1, True, 2), ('Conv', 3, 1, False, None), ('DCNv2', 3, 1, True, 2), ('Conv', 1, 0, False, None))


@HEADS.register_module()
class NASFCOSHead(FCOSHead):
    """FCOS head whose two towers follow the NAS-FCOS search (``stacked_convs`` is fixed to 4); Caffe2-Xavier
    init, N(0, 0.01) predictors."""

    def __init__(self, *args, init_cfg=None, **kwargs):
        if init_cfg is None:
            init_cfg = [dict(type='Caffe2Xavier', layer=['ConvModule', 'Conv2d']),
                        dict(type='Normal', std=0.01,
                             override=[dict(name='conv_reg'), dict(name='conv_centerness'),
                                       dict(name='conv_cls', type='Normal', std=0.01, bias_prob=0.01)])]
        super().__init__(*args, init_cfg=init_cfg, **kwargs)

    def _init_layers(self) -> None:
        self.cls_convs, self.reg_convs = nn.ModuleList(), nn.ModuleList()
        for i, (conv_type, kernel, padding, bias, groups) in enumerate(_ARCH):
            conv_cfg = dict(type=conv_type) if groups is None else dict(type=conv_type, deform_groups=groups)
            for tower in (self.cls_convs, self.reg_convs):
                tower.append(ConvModule(self.in_channels if i == 0 else self.feat_channels, self.feat_channels, kernel,
                                        stride=1, padding=padding, norm_cfg=self.norm_cfg, bias=bias,
                                        conv_cfg=conv_cfg))
        self.conv_cls = nn.Conv2d(self.feat_channels, self.cls_out_channels, 3, padding=1)
        self.conv_reg = nn.Conv2d(self.feat_channels, 4, 3, padding=1)
        self.conv_centerness = nn.Conv2d(self.feat_channels, 1, 3, padding=1)
        self.scales = nn.ModuleList([Scale(1.0) for _ in self.strides])
