"""``ResLayer``, one ResNet stage of blocks, and ``SimplifiedBasicBlock``, a basic block without the final
ReLU and with optional norms that SCNet's heads stack with it (mmdet.models.utils names)."""
from __future__ import annotations

import torch
import torch.nn as nn

from ...cnn import build_conv_layer, build_norm_layer
from ...runner import BaseModule, Sequential


class ResLayer(Sequential):
    """A stage of ``num_blocks`` blocks; the first (or, with ``downsample_first=False``, the last) one
    downsamples/projects when needed."""

    def __init__(self, block, inplanes: int, planes: int, num_blocks: int, stride: int = 1,
                 avg_down: bool = False, conv_cfg=None, norm_cfg: dict = dict(type='BN'),  # noqa: B006
                 downsample_first: bool = True, first_block_args: dict | None = None, **kwargs):
        self.block = block
        downsample = None
        if stride != 1 or inplanes != planes * block.expansion:
            layers = []
            conv_stride = stride
            if avg_down:
                conv_stride = 1
                layers.append(nn.AvgPool2d(kernel_size=stride, stride=stride, ceil_mode=True,
                                           count_include_pad=False))
            layers += [build_conv_layer(conv_cfg, inplanes, planes * block.expansion, kernel_size=1,
                                        stride=conv_stride, bias=False),
                       build_norm_layer(norm_cfg, planes * block.expansion)[1]]
            downsample = nn.Sequential(*layers)
        # first_block_args: extra arguments of the downsampling block only, e.g. Res2Net's stage_type
        resampling = block(inplanes=inplanes, planes=planes, stride=stride, downsample=downsample, conv_cfg=conv_cfg,
                           norm_cfg=norm_cfg, **kwargs, **(first_block_args or {}))
        if downsample_first:  # the others at the output width
            blocks = [resampling] + [block(inplanes=planes * block.expansion, planes=planes, stride=1,
                                           conv_cfg=conv_cfg, norm_cfg=norm_cfg, **kwargs)
                                     for _ in range(1, num_blocks)]
        else:  # the others at the input width, then the resampling block (HourglassNet)
            blocks = [block(inplanes=inplanes, planes=inplanes, stride=1, conv_cfg=conv_cfg, norm_cfg=norm_cfg,
                            **kwargs) for _ in range(num_blocks - 1)] + [resampling]
        super().__init__(*blocks)


class SimplifiedBasicBlock(BaseModule):
    """``conv-norm-relu-conv-norm + identity`` (biased convs and no norms with ``norm_cfg=None``)."""

    expansion = 1

    def __init__(self, inplanes: int, planes: int, stride: int = 1, dilation: int = 1, downsample=None,
                 style: str = 'pytorch', with_cp: bool = False, conv_cfg=None,
                 norm_cfg=dict(type='BN'), dcn=None, plugins=None, init_fg=None):  # noqa: B006
        super().__init__(init_fg)
        if dcn is not None or plugins is not None or with_cp:
            raise NotImplementedError('SimplifiedBasicBlock supports neither dcn, plugins nor with_cp (as mmdet)')
        self.with_norm = norm_cfg is not None
        self.conv1 = build_conv_layer(conv_cfg, inplanes, planes, 3, stride=stride, padding=dilation,
                                      dilation=dilation, bias=not self.with_norm)
        if self.with_norm:
            self.norm1_name, norm1 = build_norm_layer(norm_cfg, planes, postfix=1)
            self.add_module(self.norm1_name, norm1)
        self.conv2 = build_conv_layer(conv_cfg, planes, planes, 3, padding=1, bias=not self.with_norm)
        if self.with_norm:
            self.norm2_name, norm2 = build_norm_layer(norm_cfg, planes, postfix=2)
            self.add_module(self.norm2_name, norm2)
        self.relu = nn.ReLU(inplace=True)
        self.downsample, self.stride, self.dilation, self.with_cp = downsample, stride, dilation, with_cp

    @property
    def norm1(self):
        return getattr(self, self.norm1_name) if self.with_norm else None

    @property
    def norm2(self):
        return getattr(self, self.norm2_name) if self.with_norm else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv1(x)
        if self.with_norm:
            out = self.norm1(out)
        out = self.conv2(self.relu(out))
        if self.with_norm:
            out = self.norm2(out)
        return out + (x if self.downsample is None else self.downsample(x))
