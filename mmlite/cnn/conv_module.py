"""``ConvModule``: conv + norm + activation with mmcv's layer names (``conv``, ``bn``/``gn``,
``activate``), so checkpoints keep mmdet's keys such as ``neck.lateral_convs.0.conv.weight``."""
from __future__ import annotations

import torch.nn as nn

from ..runner.weight_init import constant_init, kaiming_init
from .layer_builders import build_activation_layer, build_conv_layer, build_norm_layer


class ConvModule(nn.Module):
    """Conv (+ norm) (+ activation) in ``order``.

    Args:
        bias: 'auto' adds a bias only without a norm layer. Defaults to 'auto'.
        conv_cfg / norm_cfg / act_cfg: Layer configs (act default ReLU; None disables).
        inplace: In-place activation. Defaults to True.
        order: Order of 'conv', 'norm', 'act'. Defaults to ('conv', 'norm', 'act').
    """

    _abbr_ = 'conv_block'

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias='auto', conv_cfg: dict | None = None, norm_cfg: dict | None = None,
                 act_cfg: dict | None = dict(type='ReLU'), inplace: bool = True,  # noqa: B006
                 with_spectral_norm: bool = False, padding_mode: str = 'zeros',
                 order: tuple = ('conv', 'norm', 'act')):
        super().__init__()
        if set(order) != {'conv', 'norm', 'act'} or len(order) != 3:
            raise ValueError(f'order must be a permutation of conv, norm, act; got {order}')
        self.conv_cfg, self.norm_cfg, self.act_cfg = conv_cfg, norm_cfg, act_cfg
        self.inplace, self.order = inplace, order
        self.with_norm = norm_cfg is not None
        self.with_activation = act_cfg is not None
        if bias == 'auto':
            bias = not self.with_norm
        self.with_bias = bias
        # padding_mode only when not the default, so conv layers without that argument (DCN...) build too
        extra = {} if padding_mode == 'zeros' else dict(padding_mode=padding_mode)
        self.conv = build_conv_layer(conv_cfg, in_channels, out_channels, kernel_size, stride=stride,
                                     padding=padding, dilation=dilation, groups=groups, bias=bias, **extra)
        self.in_channels, self.out_channels = in_channels, out_channels
        if with_spectral_norm:
            self.conv = nn.utils.spectral_norm(self.conv)
        if self.with_norm:
            norm_channels = out_channels if order.index('norm') > order.index('conv') else in_channels
            self.norm_name, norm = build_norm_layer(norm_cfg, norm_channels)
            self.add_module(self.norm_name, norm)
        else:
            self.norm_name = None
        if self.with_activation:
            act = dict(act_cfg)
            if act['type'] not in ('Tanh', 'PReLU', 'Sigmoid', 'HSigmoid', 'Swish', 'GELU'):
                act.setdefault('inplace', inplace)
            self.activate = build_activation_layer(act)
        self.init_weights()

    @property
    def norm(self) -> nn.Module | None:
        return getattr(self, self.norm_name) if self.norm_name else None

    def init_weights(self) -> None:
        """Kaiming for the conv (leaky_relu slope when used), ones/zeros for the norm."""
        if not hasattr(self.conv, 'init_weights'):
            if self.with_activation and self.act_cfg['type'] == 'LeakyReLU':
                nonlinearity, a = 'leaky_relu', self.act_cfg.get('negative_slope', 0.01)
            else:
                nonlinearity, a = 'relu', 0
            kaiming_init(self.conv, a=a, nonlinearity=nonlinearity)
        if self.with_norm:
            constant_init(self.norm, 1, bias=0)

    def forward(self, x, activate: bool = True, norm: bool = True):
        for layer in self.order:
            if layer == 'conv':
                x = self.conv(x)
            elif layer == 'norm' and norm and self.with_norm:
                x = self.norm(x)
            elif layer == 'act' and activate and self.with_activation:
                x = self.activate(x)
        return x
