"""``PyramidVisionTransformer`` and ``PyramidVisionTransformerV2``: mmdet 2.x's PVT backbones (arguments,
parameter names and outputs), with spatial-reduction attention on PyTorch's fused attention kernels."""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from ...cnn import (MultiheadAttention, PatchEmbed, build_activation_layer, build_dropout, build_norm_layer,
                    constant_init, nchw_to_nlc, nlc_to_nchw, normal_init, trunc_normal_init)
from ...runner import BaseModule, ModuleList, Sequential
from ...utils import get_root_logger, to_2tuple
from ..builder import BACKBONES
from .common import set_backbone_init
from .transformer_pretrained import load_pvt_pretrained


class MixFFN(BaseModule):
    """PVT's feed-forward block on the token map: 1x1 convs in place of linears, with (``use_conv``) a 3x3
    depth-wise conv after the first one (PVTv2's positional encoding); ``dropout_layer`` on the output, then
    the residual ``identity`` (default the input)."""

    def __init__(self, embed_dims: int, feedforward_channels: int, act_cfg: dict = dict(type='GELU'),
                 ffn_drop: float = 0., dropout_layer: dict | None = None, use_conv: bool = False, init_cfg=None):
        super().__init__(init_cfg)
        self.embed_dims, self.feedforward_channels, self.act_cfg = embed_dims, feedforward_channels, act_cfg
        drop = nn.Dropout(ffn_drop)
        layers = [nn.Conv2d(embed_dims, feedforward_channels, 1), build_activation_layer(act_cfg), drop,
                  nn.Conv2d(feedforward_channels, embed_dims, 1), drop]
        if use_conv:
            layers.insert(1, nn.Conv2d(feedforward_channels, feedforward_channels, 3, padding=1,
                                       groups=feedforward_channels))
        self.layers = Sequential(*layers)
        self.dropout_layer = build_dropout(dropout_layer) if dropout_layer else nn.Identity()

    def forward(self, x: torch.Tensor, hw_shape: tuple, identity: torch.Tensor | None = None) -> torch.Tensor:
        out = nchw_to_nlc(self.layers(nlc_to_nchw(x, hw_shape)))
        return (x if identity is None else identity) + self.dropout_layer(out)


class SpatialReductionAttention(MultiheadAttention):
    """Self-attention whose keys and values come from the token map shrunk ``sr_ratio`` times by a strided
    conv (``sr``) and normalised (``norm``); ``sr_ratio`` 1 is plain self-attention."""

    def __init__(self, embed_dims: int, num_heads: int, attn_drop: float = 0., proj_drop: float = 0.,
                 dropout_layer: dict | None = None, batch_first: bool = True, qkv_bias: bool = True,
                 norm_cfg: dict = dict(type='LN'), sr_ratio: int = 1, init_cfg=None):
        super().__init__(embed_dims, num_heads, attn_drop, proj_drop, batch_first=batch_first,
                         dropout_layer=dropout_layer, bias=qkv_bias, init_cfg=init_cfg)
        self.sr_ratio = sr_ratio
        if sr_ratio > 1:
            self.sr = nn.Conv2d(embed_dims, embed_dims, kernel_size=sr_ratio, stride=sr_ratio)
            self.norm = build_norm_layer(norm_cfg, embed_dims)[1]

    def forward(self, x: torch.Tensor, hw_shape: tuple, identity: torch.Tensor | None = None) -> torch.Tensor:
        """``x``: tokens ``(N, H*W, C)`` (``(H*W, N, C)`` without ``batch_first``) of the ``hw_shape`` map."""
        tokens = x if self.batch_first else x.transpose(0, 1)
        reduced = tokens
        if self.sr_ratio > 1:
            reduced = self.norm(nchw_to_nlc(self.sr(nlc_to_nchw(tokens, hw_shape))))
        if not self.batch_first:
            reduced = reduced.transpose(0, 1)
        out = self.attend(x, reduced, reduced)
        return (x if identity is None else identity) + self.dropout_layer(self.proj_drop(out))


class PVTEncoderLayer(BaseModule):
    """One PVT block: pre-norm spatial-reduction attention and pre-norm :class:`MixFFN`, each residual with
    stochastic depth ``drop_path_rate``."""

    def __init__(self, embed_dims: int, num_heads: int, feedforward_channels: int, drop_rate: float = 0.,
                 attn_drop_rate: float = 0., drop_path_rate: float = 0., qkv_bias: bool = True,
                 act_cfg: dict = dict(type='GELU'), norm_cfg: dict = dict(type='LN'), sr_ratio: int = 1,
                 use_conv_ffn: bool = False, init_cfg=None):
        super().__init__(init_cfg)
        drop_path = dict(type='DropPath', drop_prob=drop_path_rate)
        self.norm1 = build_norm_layer(norm_cfg, embed_dims)[1]
        self.attn = SpatialReductionAttention(embed_dims, num_heads, attn_drop_rate, drop_rate, drop_path,
                                              qkv_bias=qkv_bias, norm_cfg=norm_cfg, sr_ratio=sr_ratio)
        self.norm2 = build_norm_layer(norm_cfg, embed_dims)[1]
        self.ffn = MixFFN(embed_dims, feedforward_channels, act_cfg, drop_rate, drop_path, use_conv_ffn)

    def forward(self, x: torch.Tensor, hw_shape: tuple) -> torch.Tensor:
        x = self.attn(self.norm1(x), hw_shape, identity=x)
        return self.ffn(self.norm2(x), hw_shape, identity=x)


class AbsolutePositionEmbedding(BaseModule):
    """A learned ``pos_shape`` grid of position embeddings added to the tokens, resized (``mode``
    interpolation) to the token map it meets."""

    def __init__(self, pos_shape, pos_dim: int, drop_rate: float = 0., init_cfg=None):
        super().__init__(init_cfg)
        pos_shape = tuple(int(size) for size in to_2tuple(pos_shape[0] if isinstance(pos_shape, tuple)
                                                          and len(pos_shape) == 1 else pos_shape))
        if len(pos_shape) != 2:
            raise ValueError(f'pos_shape must be one or two sizes, got {pos_shape}')
        self.pos_shape, self.pos_dim = pos_shape, pos_dim
        self.pos_embed = nn.Parameter(torch.zeros(1, pos_shape[0] * pos_shape[1], pos_dim))
        self.drop = nn.Dropout(p=drop_rate)

    def init_weights(self) -> None:
        nn.init.trunc_normal_(self.pos_embed, std=0.02)

    def resize_pos_embed(self, pos_embed: torch.Tensor, input_shape, mode: str = 'bilinear') -> torch.Tensor:
        """``pos_embed`` ``(1, L, C)`` (its last ``pos_shape`` tokens) resized to ``input_shape`` tokens."""
        if pos_embed.dim() != 3:
            raise ValueError(f'pos_embed must be (1, L, C), got {tuple(pos_embed.shape)}')
        height, width = self.pos_shape
        grid = pos_embed[:, -height * width:]
        if tuple(input_shape) == (height, width):
            return grid
        grid = grid.reshape(1, height, width, self.pos_dim).permute(0, 3, 1, 2)
        return F.interpolate(grid, size=tuple(input_shape), mode=mode).flatten(2).transpose(1, 2)

    def forward(self, x: torch.Tensor, hw_shape: tuple, mode: str = 'bilinear') -> torch.Tensor:
        return self.drop(x + self.resize_pos_embed(self.pos_embed, hw_shape, mode))


def _check_stage_arguments(num_stages: int, out_indices, per_stage: dict, at_least: dict) -> None:
    """mmdet's rule: the ``per_stage`` lists have one entry per stage, the ``at_least`` ones may be longer."""
    wrong = {name: list(values) for name, values in per_stage.items() if len(values) != num_stages}
    wrong.update({name: list(values) for name, values in at_least.items() if len(values) < num_stages})
    if wrong:
        raise ValueError(f'num_stages is {num_stages} but these arguments have another length: {wrong}')
    if not set(out_indices) <= set(range(num_stages)):
        raise ValueError(f'out_indices {tuple(out_indices)} must index the {num_stages} stages')


@BACKBONES.register_module()
class PyramidVisionTransformer(BaseModule):
    """Pyramid Vision Transformer (mmdet 2.x arguments and parameter names). Stage ``i`` is
    ``layers[i] = [PatchEmbed, [AbsolutePositionEmbedding?, PVTEncoderLayer...], norm or Identity]`` with
    ``embed_dims * num_heads[i]`` channels; its token map is returned for ``i`` in ``out_indices``.

    Args:
        pretrain_img_size: Image size of the pretraining; sizes the position embeddings. Defaults to 224.
        embed_dims / num_stages / num_layers / num_heads: Channels per head, stages, blocks and heads per stage.
            Defaults 64 / 4 / [3, 4, 6, 3] / [1, 2, 5, 8].
        patch_sizes / strides / paddings: Patch embedding convs. Defaults [4, 2, 2, 2] / [4, 2, 2, 2] / zeros.
        sr_ratios: Spatial reduction of the keys and values per stage. Defaults to [8, 4, 2, 1].
        mlp_ratios: Hidden width of the feed-forward blocks over the stage width. Defaults to [8, 8, 4, 4].
        qkv_bias / drop_rate / attn_drop_rate / drop_path_rate: Attention bias and dropouts; stochastic depth
            rises linearly from 0 to ``drop_path_rate`` over all blocks. Defaults True / 0 / 0 / 0.1.
        use_abs_pos_embed / norm_after_stage / use_conv_ffn: PVT (v1) uses position embeddings; PVTv2 a norm
            after each stage and depth-wise convs in the feed-forward blocks.
        act_cfg / norm_cfg: GELU / LN (eps 1e-6) by default.
        pretrained: Deprecated; use ``init_cfg=dict(type='Pretrained', checkpoint=...)``.
        convert_weights: The pretrained checkpoint may come from the original PVT repository (its keys are
            converted, see :func:`mmlite.models.utils.pvt_convert`). Defaults to True.
    """

    def __init__(self, pretrain_img_size=224, in_channels: int = 3, embed_dims: int = 64, num_stages: int = 4,
                 num_layers=(3, 4, 6, 3), num_heads=(1, 2, 5, 8), patch_sizes=(4, 2, 2, 2), strides=(4, 2, 2, 2),
                 paddings=(0, 0, 0, 0), sr_ratios=(8, 4, 2, 1), out_indices=(0, 1, 2, 3), mlp_ratios=(8, 8, 4, 4),
                 qkv_bias: bool = True, drop_rate: float = 0., attn_drop_rate: float = 0.,
                 drop_path_rate: float = 0.1, use_abs_pos_embed: bool = True, norm_after_stage: bool = False,
                 use_conv_ffn: bool = False, act_cfg: dict = dict(type='GELU'),
                 norm_cfg: dict = dict(type='LN', eps=1e-6), pretrained: str | None = None,
                 convert_weights: bool = True, init_cfg=None):
        super().__init__(init_cfg)
        set_backbone_init(self, pretrained, init_cfg, default=None)  # None: the init of init_weights below
        _check_stage_arguments(num_stages, out_indices, dict(num_layers=num_layers, num_heads=num_heads,
                                                             patch_sizes=patch_sizes, strides=strides,
                                                             sr_ratios=sr_ratios),
                               dict(paddings=paddings, mlp_ratios=mlp_ratios))
        self.convert_weights, self.embed_dims, self.num_stages = convert_weights, embed_dims, num_stages
        self.num_layers, self.num_heads, self.patch_sizes = num_layers, num_heads, patch_sizes
        self.strides, self.sr_ratios, self.out_indices = strides, sr_ratios, out_indices
        pretrain_img_size = to_2tuple(pretrain_img_size[0] if isinstance(pretrain_img_size, tuple)
                                      and len(pretrain_img_size) == 1 else pretrain_img_size)
        rates = [float(r) for r in torch.linspace(0, drop_path_rate, sum(num_layers))]
        self.layers = ModuleList()
        for i, num_layer in enumerate(num_layers):
            channels = embed_dims * num_heads[i]
            patch_embed = PatchEmbed(in_channels, channels, kernel_size=patch_sizes[i], stride=strides[i],
                                     padding=paddings[i], bias=True, norm_cfg=norm_cfg)
            blocks = ModuleList()
            if use_abs_pos_embed:
                pos_shape = tuple(size // int(np.prod(patch_sizes[:i + 1])) for size in pretrain_img_size)
                blocks.append(AbsolutePositionEmbedding(pos_shape, channels, drop_rate))
            first = sum(num_layers[:i])
            blocks.extend(PVTEncoderLayer(
                channels, num_heads[i], mlp_ratios[i] * channels, drop_rate, attn_drop_rate, rates[first + j],
                qkv_bias, act_cfg, norm_cfg, sr_ratios[i], use_conv_ffn) for j in range(num_layer))
            norm = build_norm_layer(norm_cfg, channels)[1] if norm_after_stage else nn.Identity()
            self.layers.append(ModuleList([patch_embed, blocks, norm]))
            in_channels = channels

    def init_weights(self) -> None:
        """A checkpoint in ``init_cfg`` (mmdet's configs give ``dict(checkpoint=...)`` without a type): load it
        (see :func:`load_pvt_pretrained`). None: truncated-normal linears and position embeddings (std 0.02),
        unit LayerNorms, He-normal convs by fan-out, zero biases, as mmdet. Other ``init_cfg`` apply as given."""
        init_cfg = self.init_cfg
        if isinstance(init_cfg, dict) and 'checkpoint' in init_cfg:
            load_pvt_pretrained(self, init_cfg['checkpoint'], self.convert_weights)
        elif init_cfg is not None:
            return super().init_weights()
        else:
            get_root_logger().warning(f'No pre-trained weights for {type(self).__name__}, training start from scratch')
            for module in self.modules():
                if isinstance(module, nn.Linear):
                    trunc_normal_init(module, std=.02, bias=0.)
                elif isinstance(module, nn.LayerNorm):
                    constant_init(module, 1.0)
                elif isinstance(module, nn.Conv2d):
                    fan_out = module.kernel_size[0] * module.kernel_size[1] * module.out_channels // module.groups
                    normal_init(module, 0, math.sqrt(2.0 / fan_out))
                elif isinstance(module, AbsolutePositionEmbedding):
                    module.init_weights()
        self._is_init = True

    def forward(self, x: torch.Tensor) -> list:
        outs = []
        for i, (patch_embed, blocks, norm) in enumerate(self.layers):
            x, hw_shape = patch_embed(x)
            for block in blocks:
                x = block(x, hw_shape)
            x = nlc_to_nchw(norm(x), hw_shape)
            if i in self.out_indices:
                outs.append(x)
        return outs


@BACKBONES.register_module()
class PyramidVisionTransformerV2(PyramidVisionTransformer):
    """PVTv2: :class:`PyramidVisionTransformer` with overlapping patch embeddings (7x7 then 3x3 convs), no
    position embeddings, depth-wise convs in the feed-forward blocks and a norm after each stage."""

    def __init__(self, **kwargs):
        fixed = dict(patch_sizes=[7, 3, 3, 3], paddings=[3, 1, 1, 1], use_abs_pos_embed=False,
                     norm_after_stage=True, use_conv_ffn=True)
        clash = sorted(set(fixed) & set(kwargs))
        if clash:
            raise TypeError(f'PyramidVisionTransformerV2 fixes {clash}; use PyramidVisionTransformer to set them')
        super().__init__(**fixed, **kwargs)
