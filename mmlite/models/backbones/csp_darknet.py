"""``CSPDarknet``: the YOLOv5/YOLOX backbone (Focus stem, stride-2 stages of CSP blocks, SPP on the last)."""
from __future__ import annotations

import torch
import torch.nn as nn

from ...cnn import ConvModule
from ...runner import BaseModule
from ..builder import BACKBONES
from ..utils.csp_layer import YOLOX_ACT, YOLOX_INIT, YOLOX_NORM, CSPLayer, conv_cls
from .common import FrozenStagesMixin, forward_stages


class Focus(nn.Module):
    """Space-to-depth (each 2x2 pixel block into channels: top-left, bottom-left, top-right, bottom-right)
    then a conv."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 1, stride: int = 1, conv_cfg=None,
                 norm_cfg=YOLOX_NORM, act_cfg=YOLOX_ACT):
        super().__init__()
        self.conv = ConvModule(in_channels * 4, out_channels, kernel_size, stride, padding=(kernel_size - 1) // 2,
                               conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(torch.cat((x[..., ::2, ::2], x[..., 1::2, ::2], x[..., ::2, 1::2], x[..., 1::2, 1::2]),
                                   dim=1))


class SPPBottleneck(BaseModule):
    """Spatial pyramid pooling: a 1x1 conv halving the channels, its stride-1 max-pools of ``kernel_sizes``
    concatenated after it, and a 1x1 conv to ``out_channels``."""

    def __init__(self, in_channels: int, out_channels: int, kernel_sizes=(5, 9, 13), conv_cfg=None,
                 norm_cfg=YOLOX_NORM, act_cfg=YOLOX_ACT, init_cfg=None):
        super().__init__(init_cfg)
        mid = in_channels // 2
        common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.conv1 = ConvModule(in_channels, mid, 1, stride=1, **common)
        self.poolings = nn.ModuleList([nn.MaxPool2d(k, stride=1, padding=k // 2) for k in kernel_sizes])
        self.conv2 = ConvModule(mid * (len(kernel_sizes) + 1), out_channels, 1, **common)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv1(x)
        return self.conv2(torch.cat([x] + [pool(x) for pool in self.poolings], dim=1))


@BACKBONES.register_module()
class CSPDarknet(FrozenStagesMixin, BaseModule):
    """CSP-Darknet of YOLOv5/YOLOX.

    Args:
        arch: 'P5' (four stages) or 'P6' (five).
        deepen_factor / widen_factor: Multipliers of the CSP blocks per stage and of the channels.
        out_indices: Outputs among the stem (0) and the stages. Defaults to (2, 3, 4).
        frozen_stages: Stem and stages up to this index frozen in training (-1: none).
        use_depthwise: Depthwise-separable 3x3 convs.
        arch_ovewrite: Stage settings ``[in, out, blocks, add_identity, use_spp]`` replacing the arch's (mmdet's
            spelling).
        spp_kernal_sizes: Pooling sizes of the SPP block (mmdet's spelling).
        norm_eval: Keep BN layers in eval mode while training.
    """

    arch_settings = {
        'P5': [[64, 128, 3, True, False], [128, 256, 9, True, False], [256, 512, 9, True, False],
               [512, 1024, 3, False, True]],
        'P6': [[64, 128, 3, True, False], [128, 256, 9, True, False], [256, 512, 9, True, False],
               [512, 768, 3, True, False], [768, 1024, 3, False, True]],
    }

    def __init__(self, arch: str = 'P5', deepen_factor: float = 1.0, widen_factor: float = 1.0,
                 out_indices=(2, 3, 4), frozen_stages: int = -1, use_depthwise: bool = False, arch_ovewrite=None,
                 spp_kernal_sizes=(5, 9, 13), conv_cfg=None, norm_cfg=YOLOX_NORM, act_cfg=YOLOX_ACT,
                 norm_eval: bool = False, init_cfg=YOLOX_INIT):
        super().__init__(init_cfg)
        if arch not in self.arch_settings:
            raise ValueError(f'CSPDarknet arch must be one of {sorted(self.arch_settings)}, got {arch!r}')
        settings = arch_ovewrite or self.arch_settings[arch]
        if not set(out_indices) <= set(range(len(settings) + 1)):
            raise ValueError(f'CSPDarknet out_indices {out_indices} must be in 0..{len(settings)}')
        if frozen_stages not in range(-1, len(settings) + 1):
            raise ValueError(f'CSPDarknet frozen_stages must be in -1..{len(settings)}, got {frozen_stages}')
        self.out_indices, self.frozen_stages, self.norm_eval = out_indices, frozen_stages, norm_eval
        self.use_depthwise = use_depthwise
        common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.stem = Focus(3, int(settings[0][0] * widen_factor), kernel_size=3, **common)
        self.layers = ['stem']
        for i, (in_channels, out_channels, num_blocks, add_identity, use_spp) in enumerate(settings):
            in_channels, out_channels = int(in_channels * widen_factor), int(out_channels * widen_factor)
            stage = [conv_cls(use_depthwise)(in_channels, out_channels, 3, stride=2, padding=1, **common)]
            if use_spp:
                stage.append(SPPBottleneck(out_channels, out_channels, kernel_sizes=spp_kernal_sizes, **common))
            stage.append(CSPLayer(out_channels, out_channels, num_blocks=max(round(num_blocks * deepen_factor), 1),
                                  add_identity=add_identity, use_depthwise=use_depthwise, **common))
            self.add_module(f'stage{i + 1}', nn.Sequential(*stage))
            self.layers.append(f'stage{i + 1}')

    def _freeze_stages(self) -> None:
        for name in self.layers[:self.frozen_stages + 1]:
            module = getattr(self, name)
            module.eval()
            for param in module.parameters():
                param.requires_grad = False

    def forward(self, x: torch.Tensor) -> tuple:
        return forward_stages(self, self.layers, x, self.out_indices)
