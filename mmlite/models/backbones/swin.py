"""``SwinTransformer``: mmdet 2.x's Swin backbone (arguments, parameter names and outputs), with windowed
attention through ``torch.nn.functional.scaled_dot_product_attention``."""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.utils.checkpoint as cp

from ...cnn import FFN, PatchEmbed, PatchMerging, build_dropout, build_norm_layer, constant_init, trunc_normal_init
from ...runner import BaseModule, ModuleList
from ...utils import get_root_logger, to_2tuple
from ..builder import BACKBONES
from .common import set_backbone_init
from .transformer_pretrained import load_swin_pretrained


class WindowMSA(BaseModule):
    """Multi-head self-attention inside ``window_size`` windows, with a learned relative position bias
    (``relative_position_bias_table``, indexed by the ``relative_position_index`` buffer)."""

    def __init__(self, embed_dims: int, num_heads: int, window_size: tuple, qkv_bias: bool = True,
                 qk_scale: float | None = None, attn_drop_rate: float = 0., proj_drop_rate: float = 0.,
                 init_cfg=None):
        super().__init__(init_cfg)
        self.embed_dims, self.num_heads = embed_dims, num_heads
        self.window_size = window_size
        self.scale = qk_scale or (embed_dims // num_heads)**-0.5
        win_h, win_w = window_size
        self.relative_position_bias_table = nn.Parameter(
            torch.zeros((2 * win_h - 1) * (2 * win_w - 1), num_heads))
        rows, cols = torch.meshgrid(torch.arange(win_h), torch.arange(win_w), indexing='ij')
        rows, cols = rows.flatten(), cols.flatten()
        # table row of the offset (dy, dx) between query i and key j: (dy + Wh - 1) * (2Ww - 1) + dx + Ww - 1
        d_rows, d_cols = rows[:, None] - rows[None, :], cols[:, None] - cols[None, :]
        index = (d_rows + win_h - 1) * (2 * win_w - 1) + d_cols + win_w - 1
        self.register_buffer('relative_position_index', index)
        self.qkv = nn.Linear(embed_dims, embed_dims * 3, bias=qkv_bias)
        self.attn_drop = nn.Dropout(attn_drop_rate)
        self.proj = nn.Linear(embed_dims, embed_dims)
        self.proj_drop = nn.Dropout(proj_drop_rate)

    def init_weights(self) -> None:
        nn.init.trunc_normal_(self.relative_position_bias_table, std=0.02)

    def position_bias(self) -> torch.Tensor:
        """The relative position bias, ``(num_heads, Wh*Ww, Wh*Ww)``."""
        tokens = self.window_size[0] * self.window_size[1]
        bias = self.relative_position_bias_table[self.relative_position_index.view(-1)]
        return bias.view(tokens, tokens, -1).permute(2, 0, 1)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """Attention within each window of ``x`` ``(num_windows*B, Wh*Ww, C)``; ``mask`` ``(num_windows,
        Wh*Ww, Wh*Ww)`` (0 or -100) is added per window."""
        windows, tokens, channels = x.shape
        heads = self.num_heads
        q, k, v = self.qkv(x).view(windows, tokens, 3, heads, channels // heads).permute(2, 0, 3, 1, 4)
        bias = self.position_bias().unsqueeze(0)
        if mask is not None:
            # windows of one image share the mask: fold them into the head axis so the bias broadcasts
            per_image = mask.shape[0]
            bias = (bias + mask.unsqueeze(1)).flatten(0, 1).unsqueeze(0)
            q, k, v = (t.reshape(windows // per_image, per_image * heads, tokens, -1) for t in (q, k, v))
        dropout = self.attn_drop.p if self.training else 0.
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=bias.to(q.dtype), dropout_p=dropout,
                                             scale=self.scale)
        out = out.reshape(windows, heads, tokens, -1).transpose(1, 2).reshape(windows, tokens, channels)
        return self.proj_drop(self.proj(out))


def window_partition(x: torch.Tensor, window_size: int) -> torch.Tensor:
    """``(B, H, W, C)`` to windows ``(num_windows*B, window_size*window_size, C)`` (image-major)."""
    batch, height, width, channels = x.shape
    x = x.view(batch, height // window_size, window_size, width // window_size, window_size, channels)
    return x.permute(0, 1, 3, 2, 4, 5).reshape(-1, window_size * window_size, channels)


def window_reverse(windows: torch.Tensor, window_size: int, height: int, width: int) -> torch.Tensor:
    """Inverse of :func:`window_partition`: windows back to ``(B, height, width, C)``."""
    channels = windows.shape[-1]
    x = windows.view(-1, height // window_size, width // window_size, window_size, window_size, channels)
    return x.permute(0, 1, 3, 2, 4, 5).reshape(-1, height, width, channels)


def shifted_window_mask(height: int, width: int, window_size: int, shift_size: int,
                        device: torch.device) -> torch.Tensor:
    """The SW-MSA mask ``(num_windows, ws*ws, ws*ws)`` of a padded ``height`` x ``width`` map: -100 between
    tokens that the cyclic shift brought from different regions, else 0."""

    def regions(size):
        index = torch.arange(size, device=device)
        return (index >= size - window_size).long() + (index >= size - shift_size).long()

    region = (regions(height)[:, None] * 3 + regions(width)[None, :]).view(1, height, width, 1)
    region = window_partition(region, window_size).squeeze(-1)
    differs = region.unsqueeze(1) != region.unsqueeze(2)
    return torch.zeros(differs.shape, device=device).masked_fill_(differs, -100.)


class ShiftWindowMSA(BaseModule):
    """Window attention on a token map, optionally on windows shifted by ``shift_size`` (cyclic shift with
    the SW-MSA mask); the map is zero-padded to whole windows and cropped back."""

    def __init__(self, embed_dims: int, num_heads: int, window_size: int, shift_size: int = 0,
                 qkv_bias: bool = True, qk_scale: float | None = None, attn_drop_rate: float = 0,
                 proj_drop_rate: float = 0, dropout_layer: dict = dict(type='DropPath', drop_prob=0.),
                 init_cfg=None):
        super().__init__(init_cfg)
        if not 0 <= shift_size < window_size:
            raise ValueError(f'shift_size must be in [0, window_size={window_size}), got {shift_size}')
        self.window_size, self.shift_size = window_size, shift_size
        self.w_msa = WindowMSA(embed_dims, num_heads, to_2tuple(window_size), qkv_bias, qk_scale, attn_drop_rate,
                               proj_drop_rate)
        self.drop = build_dropout(dropout_layer)

    def forward(self, query: torch.Tensor, hw_shape: tuple) -> torch.Tensor:
        batch, length, channels = query.shape
        height, width = hw_shape
        if length != height * width:
            raise ValueError(f'ShiftWindowMSA: {length} tokens do not form the given {height}x{width} map')
        size, shift = self.window_size, self.shift_size
        query = F.pad(query.view(batch, height, width, channels),
                      (0, 0, 0, (size - width % size) % size, 0, (size - height % size) % size))
        pad_h, pad_w = query.shape[1:3]
        mask = None
        if shift > 0:
            query = torch.roll(query, shifts=(-shift, -shift), dims=(1, 2))
            mask = shifted_window_mask(pad_h, pad_w, size, shift, query.device)
        x = window_reverse(self.w_msa(window_partition(query, size), mask=mask), size, pad_h, pad_w)
        if shift > 0:
            x = torch.roll(x, shifts=(shift, shift), dims=(1, 2))
        x = x[:, :height, :width, :].reshape(batch, length, channels)
        return self.drop(x)


class SwinBlock(BaseModule):
    """Pre-norm transformer block: ``x + attn(norm1(x))`` then ``x + ffn(norm2(x))`` (shifted windows when
    ``shift``; stochastic depth ``drop_path_rate`` on both branches)."""

    def __init__(self, embed_dims: int, num_heads: int, feedforward_channels: int, window_size: int = 7,
                 shift: bool = False, qkv_bias: bool = True, qk_scale: float | None = None, drop_rate: float = 0.,
                 attn_drop_rate: float = 0., drop_path_rate: float = 0., act_cfg: dict = dict(type='GELU'),
                 norm_cfg: dict = dict(type='LN'), with_cp: bool = False, init_cfg=None):
        super().__init__(init_cfg)
        self.with_cp = with_cp
        drop_path = dict(type='DropPath', drop_prob=drop_path_rate)
        self.norm1 = build_norm_layer(norm_cfg, embed_dims)[1]
        self.attn = ShiftWindowMSA(embed_dims, num_heads, window_size, window_size // 2 if shift else 0, qkv_bias,
                                   qk_scale, attn_drop_rate, drop_rate, dropout_layer=drop_path)
        self.norm2 = build_norm_layer(norm_cfg, embed_dims)[1]
        self.ffn = FFN(embed_dims, feedforward_channels, num_fcs=2, ffn_drop=drop_rate, dropout_layer=drop_path,
                       act_cfg=act_cfg, add_identity=True)

    def _inner_forward(self, x: torch.Tensor, hw_shape: tuple) -> torch.Tensor:
        x = x + self.attn(self.norm1(x), hw_shape)
        return self.ffn(self.norm2(x), identity=x)

    def forward(self, x: torch.Tensor, hw_shape: tuple) -> torch.Tensor:
        if self.with_cp and x.requires_grad:
            return cp.checkpoint(self._inner_forward, x, hw_shape, use_reentrant=False)
        return self._inner_forward(x, hw_shape)


class SwinBlockSequence(BaseModule):
    """One stage: ``depth`` blocks (odd ones shifted), then the optional ``downsample`` (PatchMerging).
    ``forward`` returns ``(next_x, next_hw, stage_out, stage_hw)``."""

    def __init__(self, embed_dims: int, num_heads: int, feedforward_channels: int, depth: int,
                 window_size: int = 7, qkv_bias: bool = True, qk_scale: float | None = None, drop_rate: float = 0.,
                 attn_drop_rate: float = 0., drop_path_rate=0., downsample: nn.Module | None = None,
                 act_cfg: dict = dict(type='GELU'), norm_cfg: dict = dict(type='LN'), with_cp: bool = False,
                 init_cfg=None):
        super().__init__(init_cfg)
        rates = list(drop_path_rate) if isinstance(drop_path_rate, (list, tuple)) else [drop_path_rate] * depth
        if len(rates) != depth:
            raise ValueError(f'drop_path_rate lists {len(rates)} rates for {depth} blocks')
        self.blocks = ModuleList([
            SwinBlock(embed_dims, num_heads, feedforward_channels, window_size, shift=i % 2 == 1, qkv_bias=qkv_bias,
                      qk_scale=qk_scale, drop_rate=drop_rate, attn_drop_rate=attn_drop_rate,
                      drop_path_rate=rates[i], act_cfg=act_cfg, norm_cfg=norm_cfg, with_cp=with_cp)
            for i in range(depth)])
        self.downsample = downsample

    def forward(self, x: torch.Tensor, hw_shape: tuple) -> tuple:
        for block in self.blocks:
            x = block(x, hw_shape)
        if self.downsample is None:
            return x, hw_shape, x, hw_shape
        return (*self.downsample(x, hw_shape), x, hw_shape)


def _check_arguments(patch_size, depths, num_heads, strides, out_indices, frozen_stages) -> None:
    if strides[0] != patch_size:
        raise ValueError(f'strides[0] ({strides[0]}) must equal patch_size ({patch_size}); only non-overlapping '
                         'patch embedding is supported')
    if len(depths) != len(num_heads) or len(strides) < len(depths):
        raise ValueError(f'depths {tuple(depths)}, num_heads {tuple(num_heads)} and strides {tuple(strides)} '
                         'must have one entry per stage')
    if not set(out_indices) <= set(range(len(depths))):
        raise ValueError(f'out_indices {tuple(out_indices)} must index the {len(depths)} stages')
    if frozen_stages not in range(-1, len(depths) + 1):
        raise ValueError(f'frozen_stages must be in [-1, {len(depths)}], got {frozen_stages}')


@BACKBONES.register_module()
class SwinTransformer(BaseModule):
    """Swin Transformer (mmdet 2.x arguments and parameter names): a patch embedding, then stages of
    :class:`SwinBlock` separated by :class:`PatchMerging`, with a LayerNorm (``norm{i}``) on each output.

    Args:
        pretrain_img_size: Image size of the pretraining (sizes ``absolute_pos_embed``). Defaults to 224.
        in_channels / embed_dims / patch_size / window_size / mlp_ratio: Defaults 3 / 96 / 4 / 7 / 4.
        depths / num_heads: Blocks and attention heads per stage. Default Swin-T: (2, 2, 6, 2) / (3, 6, 12, 24).
        strides: Patch-embedding stride (must equal ``patch_size``) and the merging strides. (4, 2, 2, 2).
        out_indices: Stages whose (normalised) outputs are returned. Defaults to (0, 1, 2, 3).
        qkv_bias / qk_scale: Attention options (``qk_scale`` None: ``head_dims**-0.5``).
        patch_norm: LayerNorm in the patch embedding and merging. Defaults to True.
        drop_rate / attn_drop_rate / drop_path_rate: Dropouts; stochastic depth rises linearly from 0 to
            ``drop_path_rate`` over all blocks. Defaults 0 / 0 / 0.1.
        use_abs_pos_embed: Learned absolute position embedding (resized bicubically to the input).
        act_cfg / norm_cfg: GELU / LN by default.
        with_cp: Gradient checkpointing in the blocks.
        pretrained: Deprecated; use ``init_cfg=dict(type='Pretrained', checkpoint=...)``.
        convert_weights: The pretrained checkpoint comes from the original Swin repository (its key names and
            merging order are converted, see :func:`mmlite.models.utils.swin_converter`).
        frozen_stages: Patch embedding and stages 1..``frozen_stages`` frozen (-1: none).
    """

    def __init__(self, pretrain_img_size=224, in_channels: int = 3, embed_dims: int = 96, patch_size: int = 4,
                 window_size: int = 7, mlp_ratio: float = 4, depths=(2, 2, 6, 2), num_heads=(3, 6, 12, 24),
                 strides=(4, 2, 2, 2), out_indices=(0, 1, 2, 3), qkv_bias: bool = True,
                 qk_scale: float | None = None, patch_norm: bool = True, drop_rate: float = 0.,
                 attn_drop_rate: float = 0., drop_path_rate: float = 0.1, use_abs_pos_embed: bool = False,
                 act_cfg: dict = dict(type='GELU'), norm_cfg: dict = dict(type='LN'), with_cp: bool = False,
                 pretrained: str | None = None, convert_weights: bool = False, frozen_stages: int = -1,
                 init_cfg=None):
        super().__init__(init_cfg)
        set_backbone_init(self, pretrained, init_cfg, default=None)  # None: the truncated-normal init below
        self.convert_weights, self.frozen_stages = convert_weights, frozen_stages
        self.out_indices, self.use_abs_pos_embed = out_indices, use_abs_pos_embed
        pretrain_img_size = to_2tuple(pretrain_img_size[0] if isinstance(pretrain_img_size, tuple)
                                      and len(pretrain_img_size) == 1 else pretrain_img_size)
        _check_arguments(patch_size, depths, num_heads, strides, out_indices, frozen_stages)
        patch_norm_cfg = norm_cfg if patch_norm else None
        self.patch_embed = PatchEmbed(in_channels, embed_dims, 'Conv2d', kernel_size=patch_size, stride=strides[0],
                                      norm_cfg=patch_norm_cfg)
        if use_abs_pos_embed:
            grid = [size // patch_size for size in pretrain_img_size]
            self.absolute_pos_embed = nn.Parameter(torch.zeros((1, embed_dims, *grid)))
        self.drop_after_pos = nn.Dropout(p=drop_rate)
        rates = [float(r) for r in torch.linspace(0, drop_path_rate, sum(depths))]
        self.stages = ModuleList()
        channels = embed_dims
        for i, depth in enumerate(depths):
            downsample = None
            if i < len(depths) - 1:
                downsample = PatchMerging(channels, 2 * channels, stride=strides[i + 1], norm_cfg=patch_norm_cfg)
            self.stages.append(SwinBlockSequence(
                channels, num_heads[i], int(mlp_ratio * channels), depth, window_size, qkv_bias, qk_scale,
                drop_rate, attn_drop_rate, rates[sum(depths[:i]):sum(depths[:i + 1])], downsample, act_cfg,
                norm_cfg, with_cp))
            channels = downsample.out_channels if downsample else channels
        self.num_features = [int(embed_dims * 2**i) for i in range(len(depths))]
        for i in out_indices:
            self.add_module(f'norm{i}', build_norm_layer(norm_cfg, self.num_features[i])[1])

    def train(self, mode: bool = True):
        super().train(mode)
        self._freeze_stages()
        return self

    def _freeze_stages(self) -> None:
        frozen = []
        if self.frozen_stages >= 0:
            frozen += [self.patch_embed, self.drop_after_pos]
            if self.use_abs_pos_embed:
                self.absolute_pos_embed.requires_grad = False
        for i in range(self.frozen_stages):
            frozen += [getattr(self, f'norm{i}')] if i in self.out_indices else []
            frozen.append(self.stages[i])
        for module in frozen:
            module.eval()
            for param in module.parameters():
                param.requires_grad = False

    def init_weights(self) -> None:
        """Pretrained ``init_cfg``: load the checkpoint (see :func:`load_swin_pretrained`). None: truncated-normal
        linears (std 0.02, zero bias) and unit LayerNorms, as mmdet. Any other ``init_cfg`` applies as given."""
        if self.init_cfg is not None and self.init_cfg.get('type') != 'Pretrained':
            return super().init_weights()
        if self.init_cfg is not None:
            load_swin_pretrained(self, self.init_cfg, self.convert_weights)
        else:
            get_root_logger().warning(f'No pre-trained weights for {type(self).__name__}, training start from scratch')
            if self.use_abs_pos_embed:
                nn.init.trunc_normal_(self.absolute_pos_embed, std=0.02)
            for module in self.modules():
                if isinstance(module, nn.Linear):
                    trunc_normal_init(module, std=.02, bias=0.)
                elif isinstance(module, nn.LayerNorm):
                    constant_init(module, 1.0)
        self._is_init = True

    def forward(self, x: torch.Tensor) -> list:
        x, hw_shape = self.patch_embed(x)
        if self.use_abs_pos_embed:
            embed = self.absolute_pos_embed
            if tuple(embed.shape[2:]) != tuple(hw_shape):
                embed = F.interpolate(embed, size=hw_shape, mode='bicubic', align_corners=False)
            x = x + embed.flatten(2).transpose(1, 2)
        x = self.drop_after_pos(x)
        outs = []
        for i, stage in enumerate(self.stages):
            x, hw_shape, out, out_hw_shape = stage(x, hw_shape)
            if i in self.out_indices:
                out = getattr(self, f'norm{i}')(out)
                outs.append(out.view(-1, *out_hw_shape, self.num_features[i]).permute(0, 3, 1, 2).contiguous())
        return outs
