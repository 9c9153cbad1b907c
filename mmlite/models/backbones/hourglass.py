"""``HourglassNet`` (Newell et al., 2016): stacked hourglasses, CornerNet's backbone."""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from ...cnn import ConvModule
from ...runner import BaseModule
from ..builder import BACKBONES
from .resnet import BasicBlock, ResLayer


class HourglassModule(BaseModule):
    """One hourglass of ``depth`` halvings: at each, a skip branch (``up1``) and a downsampled branch that
    recurses and comes back up (``low1`` / ``low2`` / ``low3``, upsampled by ``upsample_cfg``), summed.

    Args:
        depth: Halvings. stage_channels / stage_blocks: Channels and basic blocks at each resolution.
        upsample_cfg: ``F.interpolate`` arguments; without ``scale_factor`` the skip branch's size is used.
    """

    def __init__(self, depth: int, stage_channels, stage_blocks,
                 norm_cfg=dict(type='BN', requires_grad=True),  # noqa: B006
                 init_cfg=None, upsample_cfg=dict(mode='nearest')):  # noqa: B006
        super().__init__(init_cfg)
        self.depth = depth
        channels, next_channels = stage_channels[0], stage_channels[1]
        blocks, next_blocks = stage_blocks[0], stage_blocks[1]
        self.up1 = ResLayer(BasicBlock, channels, channels, blocks, norm_cfg=norm_cfg)
        self.low1 = ResLayer(BasicBlock, channels, next_channels, blocks, stride=2, norm_cfg=norm_cfg)
        # as mmdet, the inner hourglasses use the default norm
        self.low2 = (HourglassModule(depth - 1, stage_channels[1:], stage_blocks[1:]) if depth > 1
                     else ResLayer(BasicBlock, next_channels, next_channels, next_blocks, norm_cfg=norm_cfg))
        self.low3 = ResLayer(BasicBlock, next_channels, channels, blocks, norm_cfg=norm_cfg, downsample_first=False)
        self.up2 = F.interpolate
        self.upsample_cfg = dict(upsample_cfg)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        up1 = self.up1(x)
        low3 = self.low3(self.low2(self.low1(x)))
        if 'scale_factor' in self.upsample_cfg:
            return up1 + self.up2(low3, **self.upsample_cfg)
        return up1 + self.up2(low3, size=up1.shape[2:], **self.upsample_cfg)


@BACKBONES.register_module()
class HourglassNet(BaseModule):
    """A stride-4 stem (7x7 conv, a strided basic block), then ``num_stacks`` hourglasses, each giving one
    output (a 3x3 ConvModule to ``feat_channel``) and, but the last, feeding the next through 1x1 remaps.

    Args:
        downsample_times: Halvings per hourglass. num_stacks: Hourglasses (and outputs).
        stage_channels / stage_blocks: Per resolution (more entries than ``downsample_times``).
        feat_channel: Output channels. norm_cfg: Norm of the stem, the stacks' joints and outputs.
    """

    def __init__(self, downsample_times: int = 5, num_stacks: int = 2,
                 stage_channels=(256, 256, 384, 384, 384, 512), stage_blocks=(2, 2, 2, 2, 2, 4),
                 feat_channel: int = 256, norm_cfg=dict(type='BN', requires_grad=True),  # noqa: B006
                 pretrained=None, init_cfg=None):
        if init_cfg is not None:
            raise ValueError('HourglassNet initialises its own weights; init_cfg is not allowed')
        if num_stacks < 1 or len(stage_channels) != len(stage_blocks) or len(stage_channels) <= downsample_times:
            raise ValueError(f'HourglassNet needs num_stacks >= 1 and as many stage_channels as stage_blocks, more '
                             f'than downsample_times={downsample_times}; got num_stacks={num_stacks}, '
                             f'{len(stage_channels)} stage_channels, {len(stage_blocks)} stage_blocks')
        super().__init__(init_cfg)
        self.num_stacks = num_stacks
        channels = stage_channels[0]
        self.stem = nn.Sequential(
            ConvModule(3, channels // 2, 7, padding=3, stride=2, norm_cfg=norm_cfg),
            ResLayer(BasicBlock, channels // 2, channels, 1, stride=2, norm_cfg=norm_cfg))
        self.hourglass_modules = nn.ModuleList(
            HourglassModule(downsample_times, stage_channels, stage_blocks) for _ in range(num_stacks))
        self.inters = ResLayer(BasicBlock, channels, channels, num_stacks - 1, norm_cfg=norm_cfg)
        self.conv1x1s = nn.ModuleList(
            ConvModule(channels, channels, 1, norm_cfg=norm_cfg, act_cfg=None) for _ in range(num_stacks - 1))
        self.out_convs = nn.ModuleList(
            ConvModule(channels, feat_channel, 3, padding=1, norm_cfg=norm_cfg) for _ in range(num_stacks))
        self.remap_convs = nn.ModuleList(
            ConvModule(feat_channel, channels, 1, norm_cfg=norm_cfg, act_cfg=None) for _ in range(num_stacks - 1))
        self.relu = nn.ReLU(inplace=True)

    def init_weights(self) -> None:
        super().init_weights()
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                module.reset_parameters()

    def forward(self, x: torch.Tensor) -> list:
        inter_feat = self.stem(x)
        out_feats = []
        for ind in range(self.num_stacks):
            out_feat = self.out_convs[ind](self.hourglass_modules[ind](inter_feat))
            out_feats.append(out_feat)
            if ind < self.num_stacks - 1:
                inter_feat = self.conv1x1s[ind](inter_feat) + self.remap_convs[ind](out_feat)
                inter_feat = self.inters[ind](self.relu(inter_feat))
        return out_feats
