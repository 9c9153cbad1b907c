"""Transformer building blocks with mmcv/mmdet names: ``MultiheadAttention``, ``FFN``, ``AdaptivePadding``,
``PatchEmbed`` and ``PatchMerging`` (the token layout of mmdet's Swin), plus the NLC <-> NCHW reshapes."""
from __future__ import annotations

import math
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..runner import BaseModule, Sequential
from ..utils import deprecated_api_warning, to_2tuple
from .drop import build_dropout
from .layer_builders import build_activation_layer, build_conv_layer, build_norm_layer


def nlc_to_nchw(x: torch.Tensor, hw_shape: tuple) -> torch.Tensor:
    """Tokens ``(N, H*W, C)`` to a feature map ``(N, C, H, W)``."""
    height, width = hw_shape
    if x.dim() != 3 or x.shape[1] != height * width:
        raise ValueError(f'expected tokens of shape (N, {height}*{width}, C), got {tuple(x.shape)}')
    return x.transpose(1, 2).reshape(x.shape[0], x.shape[2], height, width).contiguous()


def nchw_to_nlc(x: torch.Tensor) -> torch.Tensor:
    """A feature map ``(N, C, H, W)`` to tokens ``(N, H*W, C)``."""
    if x.dim() != 4:
        raise ValueError(f'expected a (N, C, H, W) tensor, got {tuple(x.shape)}')
    return x.flatten(2).transpose(1, 2).contiguous()


class MultiheadAttention(BaseModule):
    """mmcv's attention block: ``torch.nn.MultiheadAttention`` (``attn``, so checkpoints keep mmcv's names)
    with positional encodings added to query and key, ``proj_drop`` on its output, then ``dropout_layer`` and
    the residual ``identity`` (default the query before its positional encoding).

    ``batch_first`` says whether inputs are ``(batch, n, embed_dims)`` or ``(n, batch, embed_dims)``; extra
    keyword arguments (``bias``, ``kdim``...) go to ``torch.nn.MultiheadAttention``."""

    def __init__(self, embed_dims: int, num_heads: int, attn_drop: float = 0., proj_drop: float = 0.,
                 dropout_layer: dict | None = dict(type='Dropout', drop_prob=0.), init_cfg=None,
                 batch_first: bool = False, **kwargs):
        super().__init__(init_cfg)
        if 'dropout' in kwargs:  # mmcv < 1.3.12: one rate for the attention weights and the residual branch
            warnings.warn('MultiheadAttention(dropout=...) is deprecated: set attn_drop, proj_drop and '
                          'dropout_layer separately', DeprecationWarning)
            attn_drop = kwargs['dropout']
            dropout_layer = dict(dropout_layer or dict(type='Dropout'), drop_prob=kwargs.pop('dropout'))
        self.embed_dims, self.num_heads, self.batch_first = embed_dims, num_heads, batch_first
        self.attn = nn.MultiheadAttention(embed_dims, num_heads, dropout=attn_drop, batch_first=batch_first,
                                          **kwargs)
        self.proj_drop = nn.Dropout(proj_drop)
        self.dropout_layer = build_dropout(dropout_layer) if dropout_layer else nn.Identity()

    @deprecated_api_warning({'residual': 'identity'}, cls_name='MultiheadAttention')
    def forward(self, query: torch.Tensor, key: torch.Tensor | None = None, value: torch.Tensor | None = None,
                identity: torch.Tensor | None = None, query_pos: torch.Tensor | None = None,
                key_pos: torch.Tensor | None = None, attn_mask: torch.Tensor | None = None,
                key_padding_mask: torch.Tensor | None = None, **kwargs) -> torch.Tensor:
        key = query if key is None else key
        value = key if value is None else value
        identity = query if identity is None else identity
        if key_pos is None and query_pos is not None and query_pos.shape == key.shape:
            key_pos = query_pos
        if query_pos is not None:
            query = query + query_pos
        if key_pos is not None:
            key = key + key_pos
        out = self.attend(query, key, value, attn_mask, key_padding_mask)
        return identity + self.dropout_layer(self.proj_drop(out))

    def attend(self, query: torch.Tensor, key: torch.Tensor, value: torch.Tensor,
               attn_mask: torch.Tensor | None = None, key_padding_mask: torch.Tensor | None = None) -> torch.Tensor:
        """The attention output alone (no weights are computed, so PyTorch's fused kernels apply)."""
        return self.attn(query, key, value, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                         need_weights=False)[0]


class FFN(BaseModule):
    """Feed-forward block of a transformer layer: ``num_fcs`` linears (activation and ``ffn_drop`` after all
    but the last; ``ffn_drop`` after the last too), then ``dropout_layer`` and, with ``add_identity``, the
    residual (``identity``, default the input). Module names as mmcv's (``layers.0.0``, ``layers.1``)."""

    @deprecated_api_warning({'dropout': 'ffn_drop', 'add_residual': 'add_identity'}, cls_name='FFN')
    def __init__(self, embed_dims: int = 256, feedforward_channels: int = 1024, num_fcs: int = 2,
                 act_cfg: dict = dict(type='ReLU', inplace=True), ffn_drop: float = 0.,
                 dropout_layer: dict | None = None, add_identity: bool = True, init_cfg=None):
        super().__init__(init_cfg)
        if num_fcs < 2:
            raise ValueError(f'FFN.num_fcs must be at least 2, got {num_fcs}')
        self.embed_dims, self.feedforward_channels, self.num_fcs = embed_dims, feedforward_channels, num_fcs
        self.act_cfg = act_cfg
        self.activate = build_activation_layer(act_cfg)
        layers, in_channels = [], embed_dims
        for _ in range(num_fcs - 1):
            layers.append(Sequential(nn.Linear(in_channels, feedforward_channels), self.activate,
                                     nn.Dropout(ffn_drop)))
            in_channels = feedforward_channels
        layers += [nn.Linear(feedforward_channels, embed_dims), nn.Dropout(ffn_drop)]
        self.layers = Sequential(*layers)
        self.dropout_layer = build_dropout(dropout_layer) if dropout_layer else nn.Identity()
        self.add_identity = add_identity

    @deprecated_api_warning({'residual': 'identity'}, cls_name='FFN')
    def forward(self, x: torch.Tensor, identity: torch.Tensor | None = None) -> torch.Tensor:
        out = self.dropout_layer(self.layers(x))
        if not self.add_identity:
            return out
        return (x if identity is None else identity) + out


class AdaptivePadding(nn.Module):
    """Zero-pad a map so that a ``kernel_size``/``stride``/``dilation`` window covers it completely
    (``ceil(size / stride)`` outputs): at the bottom right ('corner') or split around it ('same')."""

    def __init__(self, kernel_size=1, stride=1, dilation=1, padding: str = 'corner'):
        super().__init__()
        if padding not in ('same', 'corner'):
            raise ValueError(f'AdaptivePadding.padding must be "same" or "corner", got {padding!r}')
        self.padding = padding
        self.kernel_size, self.stride, self.dilation = to_2tuple(kernel_size), to_2tuple(stride), to_2tuple(dilation)

    def get_pad_shape(self, input_shape) -> tuple[int, int]:
        """The (height, width) padding needed for an input of ``input_shape``."""
        return tuple(max((math.ceil(size / stride) - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
                     for size, kernel, stride, dilation in zip(input_shape, self.kernel_size, self.stride,
                                                               self.dilation))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pad_h, pad_w = self.get_pad_shape(x.shape[-2:])
        if pad_h == 0 and pad_w == 0:
            return x
        if self.padding == 'corner':
            return F.pad(x, [0, pad_w, 0, pad_h])
        return F.pad(x, [pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2])


def _conv_out_size(size: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def _adaptive_padding(padding, kernel_size, stride, dilation):
    """``(AdaptivePadding or None, numeric padding)`` for a ``padding`` that may name an adaptive mode."""
    if isinstance(padding, str):
        return AdaptivePadding(kernel_size, stride, dilation, padding), (0, 0)
    return None, to_2tuple(padding)


class PatchEmbed(BaseModule):
    """Image to tokens: a ``kernel_size``/``stride`` conv (``projection``), flattened to ``(N, H*W, C)`` and
    optionally normalised. ``padding`` may be a number or an :class:`AdaptivePadding` mode. ``forward``
    returns the tokens and their ``(H, W)``; ``init_out_size`` is the output size for ``input_size``."""

    def __init__(self, in_channels: int = 3, embed_dims: int = 768, conv_type: str = 'Conv2d',
                 kernel_size=16, stride=16, padding='corner', dilation=1, bias: bool = True,
                 norm_cfg: dict | None = None, input_size=None, init_cfg=None):
        super().__init__(init_cfg)
        self.embed_dims = embed_dims
        kernel_size = to_2tuple(kernel_size)
        stride = to_2tuple(kernel_size if stride is None else stride)
        dilation = to_2tuple(dilation)
        self.adap_padding, padding = _adaptive_padding(padding, kernel_size, stride, dilation)
        self.projection = build_conv_layer(dict(type=conv_type), in_channels, embed_dims, kernel_size=kernel_size,
                                           stride=stride, padding=padding, dilation=dilation, bias=bias)
        self.norm = build_norm_layer(norm_cfg, embed_dims)[1] if norm_cfg is not None else None
        self.init_input_size = self.init_out_size = None
        if input_size:
            self.init_input_size = to_2tuple(input_size)
            size = self.init_input_size
            if self.adap_padding:
                size = tuple(s + p for s, p in zip(size, self.adap_padding.get_pad_shape(size)))
            geometry = zip(size, kernel_size, stride, padding, dilation)
            self.init_out_size = tuple(_conv_out_size(*args) for args in geometry)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, tuple[int, int]]:
        if self.adap_padding:
            x = self.adap_padding(x)
        x = self.projection(x)
        out_size = (x.shape[2], x.shape[3])
        x = x.flatten(2).transpose(1, 2)
        return (self.norm(x) if self.norm is not None else x), out_size


class PatchMerging(BaseModule):
    """Merge each ``kernel_size`` window of tokens into one: unfold (channel-major, as ``nn.Unfold``),
    optional norm, then a linear ``reduction`` to ``out_channels``. ``forward(x, (H, W))`` returns the merged
    tokens and their ``(H, W)``."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size=2, stride=None, padding='corner',
                 dilation=1, bias: bool = False, norm_cfg: dict | None = dict(type='LN'), init_cfg=None):
        super().__init__(init_cfg)
        self.in_channels, self.out_channels = in_channels, out_channels
        kernel_size = to_2tuple(kernel_size)
        stride = to_2tuple(stride if stride else kernel_size)
        dilation = to_2tuple(dilation)
        self.adap_padding, padding = _adaptive_padding(padding, kernel_size, stride, dilation)
        self.sampler = nn.Unfold(kernel_size=kernel_size, dilation=dilation, padding=padding, stride=stride)
        sample_dim = kernel_size[0] * kernel_size[1] * in_channels
        self.norm = build_norm_layer(norm_cfg, sample_dim)[1] if norm_cfg is not None else None
        self.reduction = nn.Linear(sample_dim, out_channels, bias=bias)

    def forward(self, x: torch.Tensor, input_size) -> tuple[torch.Tensor, tuple[int, int]]:
        batch, length, channels = x.shape
        height, width = input_size
        if length != height * width:
            raise ValueError(f'PatchMerging: {length} tokens do not form the given {height}x{width} map')
        x = x.view(batch, height, width, channels).permute(0, 3, 1, 2)
        if self.adap_padding:
            x = self.adap_padding(x)
        sampler = self.sampler
        geometry = zip(x.shape[-2:], sampler.kernel_size, sampler.stride, sampler.padding, sampler.dilation)
        out_size = tuple(_conv_out_size(*args) for args in geometry)
        x = sampler(x).transpose(1, 2)
        x = self.norm(x) if self.norm is not None else x
        return self.reduction(x), out_size
