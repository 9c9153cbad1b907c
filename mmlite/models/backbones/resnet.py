"""``ResNet`` with mmdet 2.x arguments and parameter names (torchvision-compatible layout, so
``torchvision://resnet50`` weights and mmdet checkpoints both load)."""
from __future__ import annotations

import math

import torch.nn as nn
import torch.utils.checkpoint as cp

from ...cnn import build_conv_layer, build_norm_layer, build_plugin_layer
from ...runner import BaseModule
from ...utils.errors import ReadableKeyError
from ..builder import BACKBONES
from ..utils.res_layer import ResLayer
from .common import FrozenStagesMixin, add_norm, forward_stages, set_backbone_init

_PLUGIN_POSITIONS = ('after_conv1', 'after_conv2', 'after_conv3')


class _Block(BaseModule):
    """Shared plumbing of the residual blocks: norm accessors and the checkpointed forward."""

    def _add_norm(self, norm_cfg: dict, channels: int, index: int) -> str:
        return add_norm(self, norm_cfg, channels, index)

    def _inner_forward(self, x):
        raise NotImplementedError

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        if getattr(self, 'with_dcn', False):
            from ...ops.deform_conv import upgrade_offset_conv_keys
            upgrade_offset_conv_keys(self, state_dict, prefix)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def forward(self, x):
        if self.with_cp and x.requires_grad:
            out = cp.checkpoint(self._inner_forward, x, use_reentrant=False)
        else:
            out = self._inner_forward(x)
        return self.relu(out)


class BasicBlock(_Block):
    """Two 3x3 convs (ResNet-18/34)."""

    expansion = 1

    def __init__(self, inplanes: int, planes: int, stride: int = 1, dilation: int = 1, downsample=None,
                 style: str = 'pytorch', with_cp: bool = False, conv_cfg=None,
                 norm_cfg: dict = dict(type='BN'), dcn=None, plugins=None, init_cfg=None):  # noqa: B006
        super().__init__(init_cfg)
        if dcn is not None:
            raise NotImplementedError('backbone.dcn needs Bottleneck blocks (ResNet-50/101/152), as in mmdet')
        if plugins:
            raise NotImplementedError('backbone.plugins need Bottleneck blocks (ResNet-50/101/152), as in mmdet')
        self.conv1 = build_conv_layer(conv_cfg, inplanes, planes, 3, stride=stride, padding=dilation,
                                      dilation=dilation, bias=False)
        self.norm1_name = self._add_norm(norm_cfg, planes, 1)
        self.conv2 = build_conv_layer(conv_cfg, planes, planes, 3, padding=1, bias=False)
        self.norm2_name = self._add_norm(norm_cfg, planes, 2)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride, self.dilation, self.with_cp = stride, dilation, with_cp

    @property
    def norm1(self):
        return getattr(self, self.norm1_name)

    @property
    def norm2(self):
        return getattr(self, self.norm2_name)

    def _inner_forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.norm1(self.conv1(x)))
        out = self.norm2(self.conv2(out))
        return out + identity


def _conv2_cfg(conv_cfg, dcn):
    """The config of a Bottleneck's 3x3 conv: ``dcn`` (e.g. ``dict(type='DCN', deform_groups=1)``) or, without
    one or with ``fallback_on_stride=True`` in it (as mmdet), ``conv_cfg``."""
    if dcn is None:
        return conv_cfg
    dcn = dict(dcn)
    if dcn.pop('fallback_on_stride', False):
        return conv_cfg
    if conv_cfg is not None:
        raise ValueError(f'backbone.conv_cfg must be None with backbone.dcn (as mmdet), got {conv_cfg}')
    return dcn


class Bottleneck(_Block):
    """1x1 - 3x3 - 1x1 convs (ResNet-50+); ``style`` puts the stride on the 3x3 ('pytorch') or the
    first 1x1 conv ('caffe')."""

    expansion = 4

    def __init__(self, inplanes: int, planes: int, stride: int = 1, dilation: int = 1, downsample=None,
                 style: str = 'pytorch', with_cp: bool = False, conv_cfg=None,
                 norm_cfg: dict = dict(type='BN'), dcn=None, plugins=None, init_cfg=None,  # noqa: B006
                 groups: int = 1, base_width: int = 4, base_channels: int = 64):
        super().__init__(init_cfg)
        if style not in ('pytorch', 'caffe'):
            raise ValueError(f'ResNet style must be "pytorch" or "caffe", got {style!r}')
        self.dcn, self.with_dcn = dcn, dcn is not None
        self.conv2_cfg = _conv2_cfg(conv_cfg, dcn)
        self.inplanes, self.planes, self.stride, self.dilation = inplanes, planes, stride, dilation
        self.style, self.with_cp, self.conv_cfg, self.norm_cfg = style, with_cp, conv_cfg, norm_cfg
        self.conv1_stride, self.conv2_stride = (1, stride) if style == 'pytorch' else (stride, 1)
        # ResNeXt: a grouped 3x3 conv over floor(planes * base_width / base_channels) * groups channels
        width = planes if groups == 1 else math.floor(planes * (base_width / base_channels)) * groups
        self.groups, self.base_width = groups, base_width
        self.conv1 = build_conv_layer(conv_cfg, inplanes, width, kernel_size=1, stride=self.conv1_stride,
                                      bias=False)
        self.norm1_name = self._add_norm(norm_cfg, width, 1)
        self.conv2 = build_conv_layer(self.conv2_cfg, width, width, kernel_size=3, stride=self.conv2_stride,
                                      padding=dilation, dilation=dilation, groups=groups, bias=False)
        self.norm2_name = self._add_norm(norm_cfg, width, 2)
        self.conv3 = build_conv_layer(conv_cfg, width, planes * self.expansion, kernel_size=1, bias=False)
        self.norm3_name = self._add_norm(norm_cfg, planes * self.expansion, 3)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.with_plugins = bool(plugins)
        self.plugins = plugins
        self.after_conv1_plugin_names = self._make_block_plugins(plugins, 'after_conv1', width)
        self.after_conv2_plugin_names = self._make_block_plugins(plugins, 'after_conv2', width)
        self.after_conv3_plugin_names = self._make_block_plugins(plugins, 'after_conv3', planes * self.expansion)

    def _make_block_plugins(self, plugins: list | None, position: str, in_channels: int) -> list[str]:
        """Build the plugins placed at ``position``, registered under their names ('context_block'...)."""
        names = []
        for plugin in plugins or []:
            if plugin.get('position') not in _PLUGIN_POSITIONS:
                raise ReadableKeyError(f"backbone.plugins[].position must be one of {_PLUGIN_POSITIONS}, "
                                       f"got {plugin.get('position')!r}")
            if plugin['position'] != position:
                continue
            cfg = dict(plugin['cfg'])
            name, layer = build_plugin_layer(cfg, in_channels=in_channels, postfix=cfg.pop('postfix', ''))
            if hasattr(self, name):
                raise ValueError(f'backbone.plugins: two plugins named {name!r} in one block; give them '
                                 f'different "postfix" values')
            self.add_module(name, layer)
            names.append(name)
        return names

    def _forward_plugins(self, x, names: list[str]):
        for name in names:
            x = getattr(self, name)(x)
        return x

    @property
    def norm1(self):
        return getattr(self, self.norm1_name)

    @property
    def norm2(self):
        return getattr(self, self.norm2_name)

    @property
    def norm3(self):
        return getattr(self, self.norm3_name)

    def _inner_forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self._forward_plugins(self.relu(self.norm1(self.conv1(x))), self.after_conv1_plugin_names)
        out = self._forward_plugins(self.relu(self.norm2(self.conv2(out))), self.after_conv2_plugin_names)
        out = self._forward_plugins(self.norm3(self.conv3(out)), self.after_conv3_plugin_names)
        return out + identity


@BACKBONES.register_module()
class ResNet(FrozenStagesMixin, BaseModule):
    """ResNet backbone (mmdet 2.x arguments).

    Args:
        depth: 18, 34, 50, 101 or 152.
        in_channels: Input channels. Defaults to 3.
        stem_channels: Stem width; defaults to ``base_channels``.
        base_channels: Width of the first stage (stage i has ``base_channels * 2**i``). Defaults to 64.
        num_stages: 1-4. Defaults to 4.
        strides / dilations: Per stage.
        out_indices: Stages whose outputs are returned. Defaults to (0, 1, 2, 3).
        style: 'pytorch' or 'caffe'.
        deep_stem / avg_down: ResNetV1c/d options: three 3x3 stem convs; average-pool before the projection.
        frozen_stages: Stages (0 = stem) whose weights are frozen; -1 freezes none.
        norm_cfg: Norm layer (``requires_grad`` honoured). Defaults to BN.
        norm_eval: Keep BN layers in eval mode while training. Defaults to True.
        with_cp: Gradient checkpointing in the blocks.
        zero_init_residual: Zero the last norm of each block at init. Defaults to True.
        pretrained: Deprecated; use ``init_cfg=dict(type='Pretrained', checkpoint=...)``.
    """

    arch_settings = {18: (BasicBlock, (2, 2, 2, 2)), 34: (BasicBlock, (3, 4, 6, 3)),
                     50: (Bottleneck, (3, 4, 6, 3)), 101: (Bottleneck, (3, 4, 23, 3)),
                     152: (Bottleneck, (3, 8, 36, 3))}

    def __init__(self, depth: int, in_channels: int = 3, stem_channels=None, base_channels: int = 64,
                 num_stages: int = 4, strides=(1, 2, 2, 2), dilations=(1, 1, 1, 1), out_indices=(0, 1, 2, 3),
                 style: str = 'pytorch', deep_stem: bool = False, avg_down: bool = False,
                 frozen_stages: int = -1,
                 conv_cfg=None, norm_cfg: dict = dict(type='BN', requires_grad=True),  # noqa: B006
                 norm_eval: bool = True,
                 dcn=None, stage_with_dcn=(False, False, False, False), plugins=None, with_cp: bool = False,
                 zero_init_residual: bool = True, pretrained=None, init_cfg=None):
        super().__init__(init_cfg)
        if dcn is not None and len(stage_with_dcn) != num_stages:
            raise ValueError(f'backbone.stage_with_dcn needs one flag per stage ({num_stages}), got {stage_with_dcn}')
        if not 1 <= num_stages <= 4 or len(strides) != num_stages or len(dilations) != num_stages:
            raise ValueError('num_stages must be 1-4 with one stride and dilation per stage')
        if max(out_indices) >= num_stages:
            raise ValueError(f'out_indices {out_indices} exceed num_stages {num_stages}')
        self.block, stage_blocks = self._block_and_stages(depth)
        block_init_cfg = self._default_init(pretrained, init_cfg, zero_init_residual)
        self.depth, self.zero_init_residual = depth, zero_init_residual
        self.stem_channels = stem_channels if stem_channels is not None else base_channels
        self.base_channels, self.num_stages, self.plugins = base_channels, num_stages, plugins
        self.dcn, self.stage_with_dcn = dcn, stage_with_dcn
        self.strides, self.dilations = strides, dilations
        self.out_indices, self.style, self.deep_stem, self.avg_down = out_indices, style, deep_stem, avg_down
        self.frozen_stages, self.conv_cfg, self.norm_cfg = frozen_stages, conv_cfg, norm_cfg
        self.with_cp, self.norm_eval = with_cp, norm_eval
        self.stage_blocks = stage_blocks[:num_stages]
        self._make_stem_layer(in_channels, self.stem_channels)
        self.inplanes = self.stem_channels
        self.res_layers = []
        for i, num_blocks in enumerate(self.stage_blocks):
            stage_args = self._stage_args(i)
            layer = self.make_res_layer(
                block=self.block, inplanes=self.inplanes, num_blocks=num_blocks, stride=strides[i],
                dilation=dilations[i], style=style, avg_down=avg_down, with_cp=with_cp, conv_cfg=conv_cfg,
                norm_cfg=norm_cfg, init_cfg=block_init_cfg, dcn=dcn if stage_with_dcn[i] else None,
                plugins=None if plugins is None else self.make_stage_plugins(plugins, i), **stage_args)
            self.inplanes = stage_args['planes'] * self.block.expansion
            self.add_module(f'layer{i + 1}', layer)
            self.res_layers.append(f'layer{i + 1}')
        self._freeze_stages()
        self.feat_dim = self.block.expansion * base_channels * 2**(len(self.stage_blocks) - 1)

    def _block_and_stages(self, depth) -> tuple:
        """The block type and the number of blocks of each stage."""
        if depth not in self.arch_settings:
            raise ReadableKeyError(f'invalid depth {depth} for resnet; use one of {sorted(self.arch_settings)}')
        return self.arch_settings[depth]

    def _stage_args(self, stage_idx: int) -> dict:
        """Stage-specific arguments of :meth:`make_res_layer`: the width (``planes``)."""
        return dict(planes=self.base_channels * 2**stage_idx)

    def make_res_layer(self, **kwargs) -> ResLayer:
        """One stage (ResNeXt adds its ``groups``/``base_width`` here)."""
        return ResLayer(**kwargs)

    def make_stage_plugins(self, plugins: list, stage_idx: int) -> list:
        """The plugins of stage ``stage_idx``: each ``dict(cfg=..., position=..., stages=(bool, ...))`` whose
        ``stages`` (one flag per stage; all stages when absent) includes it, without ``stages``."""
        stage_plugins = []
        for plugin in plugins:
            plugin = dict(plugin)
            stages = plugin.pop('stages', None)
            if stages is not None and len(stages) != self.num_stages:
                raise ValueError(f'backbone.plugins[].stages needs one flag per stage ({self.num_stages}), '
                                 f'got {stages}')
            if 'cfg' not in plugin:
                raise ReadableKeyError(f'backbone.plugins[] needs a "cfg" (the plugin layer config), got {plugin}')
            if stages is None or stages[stage_idx]:
                stage_plugins.append(plugin)
        return stage_plugins

    def _residual_norm_name(self) -> str | None:
        """The block norm ``zero_init_residual`` zeroes: as mmdet, only in ResNet's own two block types."""
        return {BasicBlock: 'norm2', Bottleneck: 'norm3'}.get(self.block)

    def _default_init(self, pretrained, init_cfg, zero_init_residual):
        if not set_backbone_init(self, pretrained, init_cfg) or not zero_init_residual:
            return None
        name = self._residual_norm_name()
        return None if name is None else dict(type='Constant', val=0, override=dict(name=name))

    def _make_stem_layer(self, in_channels: int, stem_channels: int) -> None:
        if self.deep_stem:  # ResNetV1c/d: three 3x3 convs instead of one 7x7
            half = stem_channels // 2
            layers = []
            for cin, cout, stride in ((in_channels, half, 2), (half, half, 1), (half, stem_channels, 1)):
                layers += [build_conv_layer(self.conv_cfg, cin, cout, kernel_size=3, stride=stride, padding=1,
                                            bias=False),
                           build_norm_layer(self.norm_cfg, cout)[1], nn.ReLU(inplace=True)]
            self.stem = nn.Sequential(*layers)
        else:
            self.conv1 = build_conv_layer(self.conv_cfg, in_channels, stem_channels, kernel_size=7, stride=2,
                                          padding=3, bias=False)
            self.norm1_name, norm1 = build_norm_layer(self.norm_cfg, stem_channels, postfix=1)
            self.add_module(self.norm1_name, norm1)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)

    @property
    def norm1(self):
        return getattr(self, self.norm1_name)

    def _freeze_stages(self) -> None:
        if self.frozen_stages >= 0:
            stem = (self.stem, ) if self.deep_stem else (self.conv1, self.norm1)
            for module in stem:
                module.eval()
                for param in module.parameters():
                    param.requires_grad = False
        for i in range(1, self.frozen_stages + 1):
            layer = getattr(self, f'layer{i}')
            layer.eval()
            for param in layer.parameters():
                param.requires_grad = False

    def _forward_stem(self, x):
        x = self.stem(x) if self.deep_stem else self.relu(self.norm1(self.conv1(x)))
        return self.maxpool(x)

    def forward(self, x):
        return forward_stages(self, self.res_layers, self._forward_stem(x), self.out_indices)


@BACKBONES.register_module()
class ResNetV1d(ResNet):
    """ResNet-D: the deep 3x3 stem and average-pooled shortcuts (``deep_stem=True, avg_down=True``)."""

    def __init__(self, **kwargs):
        super().__init__(deep_stem=True, avg_down=True, **kwargs)
