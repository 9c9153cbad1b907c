"""``GeneralizedAttention``: the spatial attention plugin of "An Empirical Study of Spatial Attention Mechanisms
in Deep Networks" (Zhu et al., 2019), with mmcv's parameters and names."""
from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..runner.weight_init import kaiming_init
from .plugin import PLUGIN_LAYERS

# the largest feature map (per side) that the spatial-range mask is built for, by input width (mmcv's values)
_MAX_LEN = {256: 84, 512: 42}


@PLUGIN_LAYERS.register_module()
class GeneralizedAttention(nn.Module):
    """Multi-head attention over the (``kv_stride``-subsampled) positions of a feature map, added to the input
    through a zero-initialised ``gamma``.

    ``attention_type`` switches four energy terms on ('1' at its place): query content x key content,
    query content x relative position, a learnt bias x key content, a learnt bias x relative position
    (relative positions as sinusoidal embeddings of the x and y offsets).

    Args:
        in_channels: Input (and output) channels.
        spatial_range: Attend only within this many positions (-1: everywhere; 256 or 512 channels only).
        num_heads: Heads. Defaults to 9.
        position_embedding_dim: Embedding width (-1: ``in_channels``).
        position_magnitude: Multiplier of the coordinate offsets. Defaults to 1.
        kv_stride / q_stride: Subsampling of the key/value and of the query positions.
        attention_type: Four binary flags, e.g. '1111' (default) or '0100'.
    """

    _abbr_ = 'gen_attention_block'

    def __init__(self, in_channels: int, spatial_range: int = -1, num_heads: int = 9,
                 position_embedding_dim: int = -1, position_magnitude: int = 1, kv_stride: int = 2,
                 q_stride: int = 1, attention_type: str = '1111'):
        super().__init__()
        if len(attention_type) != 4 or set(attention_type) - {'0', '1'} or '1' not in attention_type:
            raise ValueError(f"GeneralizedAttention: attention_type must be 4 binary flags with at least one '1' "
                             f'(e.g. "1111", "0100"), got {attention_type!r}')
        if in_channels < num_heads:
            raise ValueError(f'GeneralizedAttention: in_channels={in_channels} gives no channel to each of the '
                             f'num_heads={num_heads} heads')
        if spatial_range >= 0 and in_channels not in _MAX_LEN:
            raise ValueError(f'GeneralizedAttention: spatial_range >= 0 needs in_channels 256 or 512 (the sizes its '
                             f'mask is built for), got {in_channels}')
        self.position_embedding_dim = position_embedding_dim if position_embedding_dim > 0 else in_channels
        self.position_magnitude, self.num_heads, self.in_channels = position_magnitude, num_heads, in_channels
        self.spatial_range, self.kv_stride, self.q_stride = spatial_range, kv_stride, q_stride
        self.attention_type = [flag == '1' for flag in attention_type]
        self.qk_embed_dim = self.v_dim = in_channels // num_heads
        out_c = self.qk_embed_dim * num_heads
        content_q, position_q, content_bias, position_bias = self.attention_type
        if content_q or position_q:
            self.query_conv = nn.Conv2d(in_channels, out_c, 1, bias=False)
        if content_q or content_bias:
            self.key_conv = nn.Conv2d(in_channels, out_c, 1, bias=False)
        self.value_conv = nn.Conv2d(in_channels, self.v_dim * num_heads, 1, bias=False)
        if position_q or position_bias:
            self.appr_geom_fc_x = nn.Linear(self.position_embedding_dim // 2, out_c, bias=False)
            self.appr_geom_fc_y = nn.Linear(self.position_embedding_dim // 2, out_c, bias=False)
        stdv = 1.0 / math.sqrt(self.qk_embed_dim * 2)
        if content_bias:
            self.appr_bias = nn.Parameter(-2 * stdv * torch.rand(out_c) + stdv)
        if position_bias:
            self.geom_bias = nn.Parameter(-2 * stdv * torch.rand(out_c) + stdv)
        self.proj_conv = nn.Conv2d(self.v_dim * num_heads, in_channels, 1, bias=True)
        self.gamma = nn.Parameter(torch.zeros(1))
        if spatial_range >= 0:  # a parameter (not a buffer) so that mmcv checkpoints load
            self.local_constraint_map = nn.Parameter(self._outside_range_map(_MAX_LEN[in_channels]),
                                                     requires_grad=False)
        self.q_downsample = nn.AvgPool2d(kernel_size=1, stride=q_stride) if q_stride > 1 else None
        self.kv_downsample = nn.AvgPool2d(kernel_size=1, stride=kv_stride) if kv_stride > 1 else None
        self.init_weights()

    def _outside_range_map(self, max_len: int) -> torch.Tensor:
        """``(max_len, max_len, max_len_kv, max_len_kv)`` uint8: 1 where a key lies outside a query's range."""
        max_len_kv = int((max_len - 1.0) / self.kv_stride + 1)
        query = torch.arange(max_len)[:, None]
        key = torch.arange(max_len_kv)[None]
        low = torch.div(query - self.spatial_range, self.kv_stride, rounding_mode='floor').clamp(min=0)
        high = (torch.div(query + self.spatial_range + 1, self.kv_stride, rounding_mode='floor') + 1).clamp(
            max=max_len)
        inside = (key >= low) & (key < high)  # (max_len, max_len_kv), the same rule along y and x
        return (~(inside[:, None, :, None] & inside[None, :, None, :])).to(torch.uint8)

    def init_weights(self) -> None:
        for name in ('query_conv', 'key_conv', 'value_conv', 'appr_geom_fc_x', 'appr_geom_fc_y', 'proj_conv'):
            if hasattr(self, name):
                kaiming_init(getattr(self, name), mode='fan_in', nonlinearity='leaky_relu', bias=0,
                             distribution='uniform', a=1)

    def get_position_embedding(self, h, w, h_kv, w_kv, q_stride, kv_stride, device, dtype, feat_dim,
                               wave_length=1000) -> tuple[torch.Tensor, torch.Tensor]:
        """Sinusoidal embeddings ``(w, w_kv, feat_dim / 2)`` and ``(h, h_kv, feat_dim / 2)`` of the x and y offsets
        between query and key positions (in input pixels of the feature map)."""
        def offsets(num_q, num_kv):
            q = torch.linspace(0, num_q - 1, num_q, device=device, dtype=dtype)[:, None] * q_stride
            kv = torch.linspace(0, num_kv - 1, num_kv, device=device, dtype=dtype)[:, None] * kv_stride
            return (q[:, None] - kv[None]) * self.position_magnitude

        feat_range = torch.arange(0, feat_dim / 4, device=device, dtype=dtype)
        wave = torch.tensor([wave_length], device=device, dtype=dtype)
        dim_mat = (wave**((4. / feat_dim) * feat_range)).view(1, 1, -1)

        def embed(diff):
            return torch.cat(((diff / dim_mat).sin(), (diff / dim_mat).cos()), dim=2)

        return embed(offsets(w, w_kv)), embed(offsets(h, h_kv))

    def forward(self, x_input: torch.Tensor) -> torch.Tensor:
        x_q = x_input if self.q_downsample is None else self.q_downsample(x_input)
        x_kv = x_input if self.kv_downsample is None else self.kv_downsample(x_input)
        n, _, h, w = x_q.shape
        h_kv, w_kv = x_kv.shape[2:]
        energy, h, w = self._energy(x_q, x_kv, x_input)
        if self.spatial_range >= 0:
            outside = self.local_constraint_map[:h, :w, :h_kv, :w_kv].reshape(1, 1, h * w, h_kv * w_kv)
            energy = energy.masked_fill(outside.bool(), float('-inf'))
        attention = F.softmax(energy, 3)
        value = self.value_conv(x_kv).view(n, self.num_heads, self.v_dim, h_kv * w_kv).permute(0, 1, 3, 2)
        out = torch.matmul(attention, value).permute(0, 1, 3, 2).reshape(n, self.v_dim * self.num_heads, h, w)
        out = self.proj_conv(out)
        if self.q_downsample is not None:
            out = F.interpolate(out, size=x_input.shape[2:], mode='bilinear', align_corners=False)
        return self.gamma * out + x_input

    def _energy(self, x_q, x_kv, x_input) -> tuple[torch.Tensor, int, int]:
        """``(n, heads, queries, keys)`` energies and the query grid (1 x 1 when only the bias x key term is on:
        every query attends the same way)."""
        content_q, position_q, content_bias, position_bias = self.attention_type
        heads, dim = self.num_heads, self.qk_embed_dim
        n, _, h, w = x_q.shape
        h_kv, w_kv = x_kv.shape[2:]
        query = (self.query_conv(x_q).view(n, heads, dim, h * w).permute(0, 1, 3, 2)
                 if content_q or position_q else None)
        energy = x_input.new_zeros(n, heads, h * w, h_kv * w_kv)
        if content_q or content_bias:
            key = self.key_conv(x_kv).view(n, heads, dim, h_kv * w_kv)
            left = self._add_bias(query if content_q else None, self.appr_bias if content_bias else None)
            if not (content_q or position_q or position_bias):  # the bias alone: one row for every query
                return torch.matmul(left, key).view(n, heads, 1, h_kv * w_kv), 1, 1
            energy = energy + torch.matmul(left, key)
        if position_q or position_bias:
            emb_x, emb_y = self.get_position_embedding(h, w, h_kv, w_kv, self.q_stride, self.kv_stride,
                                                       x_input.device, x_input.dtype, self.position_embedding_dim)
            pos_x = self.appr_geom_fc_x(emb_x).view(w, w_kv, heads, dim).permute(2, 0, 1, 3) / math.sqrt(2)
            pos_y = self.appr_geom_fc_y(emb_y).view(h, h_kv, heads, dim).permute(2, 0, 1, 3) / math.sqrt(2)
            left = self._add_bias(query if position_q else None, self.geom_bias if position_bias else None)
            if position_q:  # per query position
                left = left.reshape(n, heads, h, w, dim)
                energy_x = torch.einsum('bkyxd,kxvd->bkyxv', left, pos_x)[:, :, :, :, None, :]
                energy_y = torch.einsum('bkyxd,kyud->bkyxu', self._y_term_queries(left, position_bias),
                                        pos_y)[:, :, :, :, :, None]
            else:  # the bias alone
                left = left.view(heads, dim)
                energy_x = torch.einsum('kd,kxvd->kxv', left, pos_x)[None, :, None, :, None, :]
                energy_y = torch.einsum('kd,kyud->kyu', left, pos_y)[None, :, :, None, :, None]
            energy = energy + (energy_x + energy_y).expand(n, heads, h, w, h_kv, w_kv).reshape(
                n, heads, h * w, h_kv * w_kv)
        return energy, h, w

    @staticmethod
    def _y_term_queries(queries, position_bias: bool):
        """The queries the y-offset term pairs with row ``y``'s embeddings. Without the position bias ('x1x0'), mmcv
        pairs them with the transposed query grid (it works on square maps only); the trained weights of such
        models (e.g. GRoIE's '0100' on 7x7 RoIs) expect that, so it is kept."""
        if position_bias:
            return queries
        if queries.shape[2] != queries.shape[3]:
            raise ValueError(f'GeneralizedAttention with attention_type x1x0 (query x position without the position '
                             f'bias) works on square feature maps only, as in mmcv; got '
                             f'{queries.shape[2]}x{queries.shape[3]}. Use "0101"/"1111" for other shapes.')
        return queries.transpose(2, 3)

    def _add_bias(self, query, bias):
        """``query + bias`` per head (either may be None, not both)."""
        if bias is not None:
            bias = bias.view(1, self.num_heads, 1, self.qk_embed_dim)
        if query is None:
            return bias
        return query if bias is None else query + bias
