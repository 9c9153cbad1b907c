"""Multi-scale deformable attention (Deformable DETR) with mmcv.ops names, on ``grid_sample``: each query
attends to a few sampling points per head and level around its reference point."""
from __future__ import annotations

import math
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..cnn import constant_init, xavier_init
from ..cnn.transformer_layers import ATTENTION
from ..runner import BaseModule
from ..utils import deprecated_api_warning


def multi_scale_deformable_attn_pytorch(value: torch.Tensor, value_spatial_shapes, sampling_locations: torch.Tensor,
                                        attention_weights: torch.Tensor) -> torch.Tensor:
    """``value`` ``(bs, sum(H*W), heads, dims)`` sampled bilinearly (zeros outside) at ``sampling_locations``
    ``(bs, queries, heads, levels, points, 2)`` (in ``[0, 1]``, x first) and summed with ``attention_weights``
    ``(bs, queries, heads, levels, points)``: ``(bs, queries, heads * dims)``."""
    bs, _, num_heads, dims = value.shape
    _, num_queries, _, num_levels, num_points, _ = sampling_locations.shape
    shapes = [(int(h), int(w)) for h, w in value_spatial_shapes.tolist()] \
        if isinstance(value_spatial_shapes, torch.Tensor) else [tuple(s) for s in value_spatial_shapes]
    grids = 2 * sampling_locations - 1
    sampled = []
    for level, (value_l, (height, width)) in enumerate(zip(value.split([h * w for h, w in shapes], dim=1), shapes)):
        value_l = value_l.flatten(2).transpose(1, 2).reshape(bs * num_heads, dims, height, width)
        grid_l = grids[:, :, :, level].transpose(1, 2).flatten(0, 1)
        sampled.append(F.grid_sample(value_l, grid_l, mode='bilinear', padding_mode='zeros', align_corners=False))
    weights = attention_weights.transpose(1, 2).reshape(bs * num_heads, 1, num_queries, num_levels * num_points)
    output = (torch.stack(sampled, dim=-2).flatten(-2) * weights).sum(-1).view(bs, num_heads * dims, num_queries)
    return output.transpose(1, 2).contiguous()


@ATTENTION.register_module()
class MultiScaleDeformableAttention(BaseModule):
    """mmcv's multi-scale deformable attention: per head, level and point an offset (from the query, scaled by
    the level size or, with 4-d reference boxes, by the box) and a softmax weight; the sampled projected values,
    summed, projected again, then ``dropout`` and the residual ``identity``.

    Args:
        embed_dims / num_heads / num_levels / num_points: Sizes (defaults 256, 8, 4, 4).
        im2col_step: Kept for mmcv's CUDA kernel; unused here.
        dropout: On the output before the residual. Defaults to 0.1.
        batch_first: Inputs ``(bs, n, dims)`` instead of ``(n, bs, dims)``.
    """

    def __init__(self, embed_dims: int = 256, num_heads: int = 8, num_levels: int = 4, num_points: int = 4,
                 im2col_step: int = 64, dropout: float = 0.1, batch_first: bool = False, norm_cfg=None,
                 init_cfg=None):
        super().__init__(init_cfg)
        if embed_dims % num_heads != 0:
            raise ValueError(f'MultiScaleDeformableAttention: embed_dims ({embed_dims}) must be divisible by '
                             f'num_heads ({num_heads})')
        per_head = embed_dims // num_heads
        if per_head & (per_head - 1):
            warnings.warn('MultiScaleDeformableAttention: mmcv\'s CUDA kernel prefers a power of 2 per head, got '
                          f'{per_head}')
        self.embed_dims, self.num_heads, self.num_levels, self.num_points = embed_dims, num_heads, num_levels, \
            num_points
        self.im2col_step, self.batch_first, self.norm_cfg = im2col_step, batch_first, norm_cfg
        self.dropout = nn.Dropout(dropout)
        self.sampling_offsets = nn.Linear(embed_dims, num_heads * num_levels * num_points * 2)
        self.attention_weights = nn.Linear(embed_dims, num_heads * num_levels * num_points)
        self.value_proj = nn.Linear(embed_dims, embed_dims)
        self.output_proj = nn.Linear(embed_dims, embed_dims)
        self.init_weights()

    def init_weights(self) -> None:
        """Zero offset weights with biases on rays in ``num_heads`` directions (point ``i`` at distance
        ``i + 1``), uniform attention, Xavier projections."""
        constant_init(self.sampling_offsets, 0.)
        thetas = torch.arange(self.num_heads, dtype=torch.float32) * (2.0 * math.pi / self.num_heads)
        grid = torch.stack([thetas.cos(), thetas.sin()], -1)
        grid = (grid / grid.abs().max(-1, keepdim=True)[0]).view(self.num_heads, 1, 1, 2)
        grid = grid.repeat(1, self.num_levels, self.num_points, 1)
        grid = grid * torch.arange(1, self.num_points + 1, dtype=torch.float32).view(1, 1, -1, 1)
        with torch.no_grad():
            self.sampling_offsets.bias.copy_(grid.view(-1))
        constant_init(self.attention_weights, val=0., bias=0.)
        xavier_init(self.value_proj, distribution='uniform', bias=0.)
        xavier_init(self.output_proj, distribution='uniform', bias=0.)
        self._is_init = True

    def _sampling_locations(self, query, reference_points, spatial_shapes):
        bs, num_query, _ = query.shape
        offsets = self.sampling_offsets(query).view(bs, num_query, self.num_heads, self.num_levels,
                                                    self.num_points, 2)
        if reference_points.shape[-1] == 2:
            normalizer = torch.stack([spatial_shapes[..., 1], spatial_shapes[..., 0]], -1)
            return reference_points[:, :, None, :, None, :] + offsets / normalizer[None, None, None, :, None, :]
        if reference_points.shape[-1] == 4:
            return (reference_points[:, :, None, :, None, :2]
                    + offsets / self.num_points * reference_points[:, :, None, :, None, 2:] * 0.5)
        raise ValueError(f'reference_points must end in 2 (points) or 4 (boxes), got {tuple(reference_points.shape)}')

    @deprecated_api_warning({'residual': 'identity'}, cls_name='MultiScaleDeformableAttention')
    def forward(self, query: torch.Tensor, key: torch.Tensor | None = None, value: torch.Tensor | None = None,
                identity: torch.Tensor | None = None, query_pos: torch.Tensor | None = None,
                key_padding_mask: torch.Tensor | None = None, reference_points: torch.Tensor | None = None,
                spatial_shapes: torch.Tensor | None = None, level_start_index: torch.Tensor | None = None,
                **kwargs) -> torch.Tensor:
        """``reference_points``: ``(bs, queries, levels, 2 or 4)`` normalised; ``spatial_shapes``: ``(levels, 2)``
        ``(H, W)`` of the flattened ``value`` levels; ``key_padding_mask``: ``(bs, sum(H*W))``, True at padding."""
        value = query if value is None else value
        identity = query if identity is None else identity
        if query_pos is not None:
            query = query + query_pos
        if not self.batch_first:
            query, value = query.permute(1, 0, 2), value.permute(1, 0, 2)
        bs, num_query, _ = query.shape
        num_value = value.shape[1]
        if int((spatial_shapes[:, 0] * spatial_shapes[:, 1]).sum()) != num_value:
            raise ValueError(f'spatial_shapes {spatial_shapes.tolist()} do not cover the {num_value} values')
        value = self.value_proj(value)
        if key_padding_mask is not None:
            value = value.masked_fill(key_padding_mask[..., None], 0.0)
        value = value.view(bs, num_value, self.num_heads, -1)
        weights = self.attention_weights(query).view(bs, num_query, self.num_heads, self.num_levels * self.num_points)
        weights = weights.softmax(-1).view(bs, num_query, self.num_heads, self.num_levels, self.num_points)
        locations = self._sampling_locations(query, reference_points, spatial_shapes)
        output = self.output_proj(multi_scale_deformable_attn_pytorch(value, spatial_shapes, locations, weights))
        if not self.batch_first:
            output = output.permute(1, 0, 2)
        return self.dropout(output) + identity
