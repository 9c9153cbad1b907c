"""``HRNet``: mmdet 2.x's high-resolution network (arguments, parameter names and outputs)."""
from __future__ import annotations

import torch.nn as nn
from torch.nn.modules.batchnorm import _BatchNorm

from ...cnn import build_conv_layer, build_norm_layer
from ...runner import BaseModule, ModuleList, Sequential
from ..builder import BACKBONES
from .common import add_norm, set_backbone_init
from .resnet import BasicBlock, Bottleneck

BLOCKS = {'BASIC': BasicBlock, 'BOTTLENECK': Bottleneck}
_STAGE_KEYS = ('num_modules', 'num_branches', 'block', 'num_blocks', 'num_channels')


def _conv_norm(conv_cfg, norm_cfg, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1,
               relu: bool = False, upsample: int = 1) -> nn.Sequential:
    """conv (no bias) -> norm [-> ReLU] [-> nearest upsampling by ``upsample``]."""
    layers = [build_conv_layer(conv_cfg, in_channels, out_channels, kernel_size=kernel_size, stride=stride,
                               padding=kernel_size // 2, bias=False),
              build_norm_layer(norm_cfg, out_channels)[1]]
    if relu:
        layers.append(nn.ReLU(inplace=True))
    if upsample > 1:
        layers.append(nn.Upsample(scale_factor=upsample, mode='nearest'))
    return nn.Sequential(*layers)


def _residual_blocks(block, in_channels: int, planes: int, num_blocks: int, *, with_cp: bool, conv_cfg, norm_cfg,
                     init_cfg) -> Sequential:
    """``num_blocks`` residual blocks; the first projects ``in_channels`` when the widths differ."""
    out_channels = planes * block.expansion
    downsample = None
    if in_channels != out_channels:
        downsample = _conv_norm(conv_cfg, norm_cfg, in_channels, out_channels, 1)
    options = dict(with_cp=with_cp, norm_cfg=norm_cfg, conv_cfg=conv_cfg, init_cfg=init_cfg)
    blocks = [block(in_channels, planes, 1, downsample=downsample, **options)]
    blocks += [block(out_channels, planes, **options) for _ in range(1, num_blocks)]
    return Sequential(*blocks)


class HRModule(BaseModule):
    """Parallel branches of residual blocks, then an exchange: output ``i`` sums every branch brought to
    branch ``i``'s resolution (1x1 conv + nearest upsampling from lower ones, strided 3x3 convs from higher
    ones) and applies ReLU. With ``multiscale_output=False`` only the highest resolution is output."""

    def __init__(self, num_branches: int, blocks, num_blocks, in_channels: list, num_channels, multiscale_output=True,
                 with_cp: bool = False, conv_cfg=None, norm_cfg=dict(type='BN'), block_init_cfg=None,
                 init_cfg=None):
        super().__init__(init_cfg)
        for name, values in (('num_blocks', num_blocks), ('num_channels', num_channels),
                             ('in_channels', in_channels)):
            if len(values) != num_branches:
                raise ValueError(f'HRModule: num_branches is {num_branches} but {name} has {len(values)} entries')
        self.num_branches, self.multiscale_output = num_branches, multiscale_output
        self.conv_cfg, self.norm_cfg, self.with_cp, self.block_init_cfg = conv_cfg, norm_cfg, with_cp, block_init_cfg
        self.in_channels = list(in_channels)
        self.branches = ModuleList()
        for i in range(num_branches):
            self.branches.append(_residual_blocks(blocks, self.in_channels[i], num_channels[i], num_blocks[i],
                                                  with_cp=with_cp, conv_cfg=conv_cfg, norm_cfg=norm_cfg,
                                                  init_cfg=block_init_cfg))
            self.in_channels[i] = num_channels[i] * blocks.expansion
        self.fuse_layers = self._make_fuse_layers()
        self.relu = nn.ReLU(inplace=False)

    def _make_fuse_layers(self) -> nn.ModuleList | None:
        if self.num_branches == 1:
            return None
        channels, conv_cfg, norm_cfg = self.in_channels, self.conv_cfg, self.norm_cfg
        fuse_layers = nn.ModuleList()
        for i in range(self.num_branches if self.multiscale_output else 1):
            row = nn.ModuleList()
            for j in range(self.num_branches):
                if j > i:
                    row.append(_conv_norm(conv_cfg, norm_cfg, channels[j], channels[i], 1, upsample=2**(j - i)))
                elif j == i:
                    row.append(None)
                else:  # i - j strided 3x3 convs; ReLU between them, none after the last
                    row.append(nn.Sequential(*[
                        _conv_norm(conv_cfg, norm_cfg, channels[j], channels[i] if k == i - j - 1 else channels[j],
                                   3, stride=2, relu=k < i - j - 1) for k in range(i - j)]))
            fuse_layers.append(row)
        return fuse_layers

    def forward(self, x: list) -> list:
        x = [branch(feature) for branch, feature in zip(self.branches, x)]
        if self.num_branches == 1:
            return x
        fused = []
        for row in self.fuse_layers:
            total = 0
            for j, layer in enumerate(row):
                total = total + (x[j] if layer is None else layer(x[j]))
            fused.append(self.relu(total))
        return fused


@BACKBONES.register_module()
class HRNet(BaseModule):
    """HRNet (HRNetV2 for detection): a two-conv stride-4 stem, a Bottleneck ``layer1``, then stages 2-4 of
    :class:`HRModule` with 2, 3 and 4 resolutions; returns the four branch outputs.

    Args:
        extra: ``stage1``..``stage4``, each with ``num_modules``, ``num_branches``, ``block`` ('BASIC' or
            'BOTTLENECK'), ``num_blocks`` and ``num_channels`` (one entry per branch).
        in_channels: Image channels. Defaults to 3.
        conv_cfg / norm_cfg: Layer configs (BN by default).
        norm_eval: Keep BN layers in eval mode while training. Defaults to True.
        with_cp: Gradient checkpointing in the residual blocks.
        zero_init_residual: Zero the last norm of each residual block at init (effective here; mmdet's
            flag had no effect). Defaults to False.
        multiscale_output: All four outputs (True) or only the highest resolution.
        pretrained / init_cfg: As ResNet's.
    """

    blocks_dict = BLOCKS

    def __init__(self, extra: dict, in_channels: int = 3, conv_cfg=None, norm_cfg=dict(type='BN'),
                 norm_eval: bool = True, with_cp: bool = False, zero_init_residual: bool = False,
                 multiscale_output: bool = True, pretrained=None, init_cfg=None):
        super().__init__(init_cfg)
        self.pretrained = pretrained
        scratch = set_backbone_init(self, pretrained, init_cfg)
        _check_extra(extra)
        self.extra, self.conv_cfg, self.norm_cfg = extra, conv_cfg, norm_cfg
        self.norm_eval, self.with_cp, self.zero_init_residual = norm_eval, with_cp, zero_init_residual
        self.conv1 = build_conv_layer(conv_cfg, in_channels, 64, kernel_size=3, stride=2, padding=1, bias=False)
        self.norm1_name = add_norm(self, norm_cfg, 64, 1)
        self.conv2 = build_conv_layer(conv_cfg, 64, 64, kernel_size=3, stride=2, padding=1, bias=False)
        self.norm2_name = add_norm(self, norm_cfg, 64, 2)
        self.relu = nn.ReLU(inplace=True)
        stage1 = extra['stage1']
        block = BLOCKS[stage1['block']]
        self.layer1 = _residual_blocks(block, 64, stage1['num_channels'][0], stage1['num_blocks'][0],
                                       with_cp=with_cp, conv_cfg=conv_cfg, norm_cfg=norm_cfg,
                                       init_cfg=self._block_init(block, scratch))
        channels = [stage1['num_channels'][0] * block.expansion]
        for index in (2, 3, 4):
            cfg = self.extra[f'stage{index}']
            block = BLOCKS[cfg['block']]
            widths = [c * block.expansion for c in cfg['num_channels']]
            self.add_module(f'transition{index - 1}', self._make_transition_layer(channels, widths))
            stage, channels = self._make_stage(cfg, widths, multiscale_output or index < 4,
                                               self._block_init(block, scratch))
            self.add_module(f'stage{index}', stage)
            setattr(self, f'stage{index}_cfg', cfg)
        self.stage1_cfg = stage1

    @property
    def norm1(self) -> nn.Module:
        return getattr(self, self.norm1_name)

    @property
    def norm2(self) -> nn.Module:
        return getattr(self, self.norm2_name)

    def _block_init(self, block, scratch: bool) -> dict | None:
        if not (scratch and self.zero_init_residual):
            return None
        return dict(type='Constant', val=0, override=dict(name='norm2' if block is BasicBlock else 'norm3'))

    def _make_transition_layer(self, previous: list, current: list) -> nn.ModuleList:
        """Per branch of the next stage: a 3x3 conv when the width changes (None when not) for existing
        branches; strided 3x3 convs from the lowest resolution for new ones."""
        layers = nn.ModuleList()
        for i, width in enumerate(current):
            if i < len(previous):
                layers.append(None if width == previous[i] else
                              _conv_norm(self.conv_cfg, self.norm_cfg, previous[i], width, 3, relu=True))
                continue
            steps = i + 1 - len(previous)
            layers.append(nn.Sequential(*[
                _conv_norm(self.conv_cfg, self.norm_cfg, previous[-1], width if k == steps - 1 else previous[-1], 3,
                           stride=2, relu=True) for k in range(steps)]))
        return layers

    def _make_stage(self, cfg: dict, in_channels: list, multiscale_output: bool, block_init_cfg):
        modules = []
        for i in range(cfg['num_modules']):
            module = HRModule(cfg['num_branches'], BLOCKS[cfg['block']], cfg['num_blocks'], in_channels,
                              cfg['num_channels'], multiscale_output or i < cfg['num_modules'] - 1,
                              with_cp=self.with_cp, norm_cfg=self.norm_cfg, conv_cfg=self.conv_cfg,
                              block_init_cfg=block_init_cfg)
            in_channels = module.in_channels
            modules.append(module)
        return Sequential(*modules), in_channels

    def forward(self, x) -> list:
        x = self.relu(self.norm1(self.conv1(x)))
        outs = [self.layer1(self.relu(self.norm2(self.conv2(x))))]
        for index in (2, 3, 4):
            transition = getattr(self, f'transition{index - 1}')
            inputs = [outs[i] if layer is None else layer(outs[-1] if i >= len(outs) else outs[i])
                      for i, layer in enumerate(transition)]
            outs = getattr(self, f'stage{index}')(inputs)
        return outs

    def train(self, mode: bool = True):
        super().train(mode)
        if mode and self.norm_eval:
            for module in self.modules():
                if isinstance(module, _BatchNorm):
                    module.eval()
        return self


def _check_extra(extra: dict) -> None:
    for index in range(1, 5):
        cfg = extra.get(f'stage{index}') if isinstance(extra, dict) else None
        if cfg is None:
            raise ValueError(f'HRNet.extra must define stage1..stage4, stage{index} is missing')
        missing = [key for key in _STAGE_KEYS if key not in cfg]
        if missing:
            raise ValueError(f'HRNet.extra.stage{index} lacks {missing}')
        if cfg['block'] not in BLOCKS:
            raise ValueError(f'HRNet.extra.stage{index}.block must be one of {sorted(BLOCKS)}, got {cfg["block"]!r}')
        for key in ('num_blocks', 'num_channels'):
            if len(cfg[key]) != cfg['num_branches']:
                raise ValueError(f'HRNet.extra.stage{index}.{key} needs num_branches={cfg["num_branches"]} '
                                 f'entries, got {tuple(cfg[key])}')
