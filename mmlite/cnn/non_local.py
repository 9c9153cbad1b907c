"""Non-local blocks ``NonLocal1d``/``NonLocal2d``/``NonLocal3d`` (plugin layers)."""
from __future__ import annotations

import torch
import torch.nn as nn

from ..runner.weight_init import constant_init, normal_init
from .conv_module import ConvModule
from .plugin import PLUGIN_LAYERS

_MODES = ('gaussian', 'embedded_gaussian', 'dot_product', 'concatenation')


class _NonLocalNd(nn.Module):
    """``x + conv_out(softmax-or-normalized(theta(x) . phi(x)) @ g(x))`` over all positions.

    Args:
        reduction: ``inter_channels = in_channels // reduction``. Defaults to 2.
        use_scale: Divide embedded-gaussian affinities by ``sqrt(inter_channels)``. Defaults to True.
        mode: 'gaussian', 'embedded_gaussian' (default), 'dot_product' or 'concatenation'.
        std / zeros_init: Init of the 1x1 convs; ``conv_out`` (or its norm) starts at zero by default.
    """

    def __init__(self, in_channels: int, reduction: int = 2, use_scale: bool = True,
                 conv_cfg: dict | None = None, norm_cfg: dict | None = None, mode: str = 'embedded_gaussian',
                 std: float = 0.01, zeros_init: bool = True, sub_sample: bool = False):
        super().__init__()
        if mode not in _MODES:
            raise ValueError(f'NonLocal: mode must be one of {_MODES}, got {mode!r}')
        self.in_channels, self.reduction, self.use_scale, self.mode = in_channels, reduction, use_scale, mode
        self.inter_channels = max(in_channels // reduction, 1)
        inter = self.inter_channels
        self.g = ConvModule(in_channels, inter, 1, conv_cfg=conv_cfg, act_cfg=None)
        self.conv_out = ConvModule(inter, in_channels, 1, conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=None)
        if mode != 'gaussian':
            self.theta = ConvModule(in_channels, inter, 1, conv_cfg=conv_cfg, act_cfg=None)
            self.phi = ConvModule(in_channels, inter, 1, conv_cfg=conv_cfg, act_cfg=None)
        if mode == 'concatenation':
            self.concat_project = ConvModule(inter * 2, 1, 1, bias=False, act_cfg=dict(type='ReLU'))
        self.init_weights(std, zeros_init)
        self.sub_sample = sub_sample
        if sub_sample:  # pool the keys and values (g and phi) to a quarter of the positions
            pool = self._pool()
            self.g = nn.Sequential(self.g, pool)
            self.phi = nn.Sequential(self.phi, pool) if mode != 'gaussian' else pool

    @staticmethod
    def _pool() -> nn.Module:
        raise NotImplementedError

    def init_weights(self, std: float = 0.01, zeros_init: bool = True) -> None:
        for name in ('g', 'theta', 'phi'):
            module = getattr(self, name, None)
            if isinstance(module, ConvModule):
                normal_init(module.conv, std=std)
        target = self.conv_out.conv if self.conv_out.norm is None else self.conv_out.norm
        if zeros_init:
            constant_init(target, 0)
        else:
            normal_init(target, std=std)

    def _affinity(self, x: torch.Tensor) -> torch.Tensor:
        """Pairwise weights, (N, queries, keys)."""
        batch = x.size(0)
        if self.mode == 'gaussian':
            theta = x.view(batch, self.in_channels, -1).transpose(1, 2)
            phi = (self.phi(x) if hasattr(self, 'phi') else x).view(batch, self.in_channels, -1)
            return torch.matmul(theta, phi).softmax(dim=-1)
        if self.mode == 'concatenation':
            theta = self.theta(x).view(batch, self.inter_channels, -1, 1)
            phi = self.phi(x).view(batch, self.inter_channels, 1, -1)
            queries, keys = theta.size(2), phi.size(3)
            pairs = torch.cat([theta.expand(-1, -1, -1, keys), phi.expand(-1, -1, queries, -1)], dim=1)
            weight = self.concat_project(pairs).view(batch, queries, keys)
            return weight / keys
        theta = self.theta(x).view(batch, self.inter_channels, -1).transpose(1, 2)
        weight = torch.matmul(theta, self.phi(x).view(batch, self.inter_channels, -1))
        if self.mode == 'dot_product':
            return weight / weight.size(-1)
        if self.use_scale:
            weight = weight / theta.size(-1) ** 0.5
        return weight.softmax(dim=-1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch = x.size(0)
        values = self.g(x).view(batch, self.inter_channels, -1).transpose(1, 2)
        y = torch.matmul(self._affinity(x), values).transpose(1, 2).reshape(
            batch, self.inter_channels, *x.shape[2:])
        return x + self.conv_out(y)


class NonLocal1d(_NonLocalNd):
    """Non-local block over a sequence ``(N, C, L)``; ``sub_sample`` pools keys/values by 2."""

    def __init__(self, in_channels: int, sub_sample: bool = False,
                 conv_cfg: dict | None = dict(type='Conv1d'), **kwargs):  # noqa: B006
        super().__init__(in_channels, conv_cfg=conv_cfg, sub_sample=sub_sample, **kwargs)

    @staticmethod
    def _pool() -> nn.Module:
        return nn.MaxPool1d(kernel_size=2)


@PLUGIN_LAYERS.register_module()
class NonLocal2d(_NonLocalNd):
    """Non-local block over an image ``(N, C, H, W)``; ``sub_sample`` pools keys/values 2x2."""

    _abbr_ = 'nonlocal_block'

    def __init__(self, in_channels: int, sub_sample: bool = False,
                 conv_cfg: dict | None = dict(type='Conv2d'), **kwargs):  # noqa: B006
        super().__init__(in_channels, conv_cfg=conv_cfg, sub_sample=sub_sample, **kwargs)

    @staticmethod
    def _pool() -> nn.Module:
        return nn.MaxPool2d(kernel_size=(2, 2))


class NonLocal3d(_NonLocalNd):
    """Non-local block over a clip ``(N, C, T, H, W)``; ``sub_sample`` pools keys/values 1x2x2."""

    def __init__(self, in_channels: int, sub_sample: bool = False,
                 conv_cfg: dict | None = dict(type='Conv3d'), **kwargs):  # noqa: B006
        super().__init__(in_channels, conv_cfg=conv_cfg, sub_sample=sub_sample, **kwargs)

    @staticmethod
    def _pool() -> nn.Module:
        return nn.MaxPool3d(kernel_size=(1, 2, 2))
