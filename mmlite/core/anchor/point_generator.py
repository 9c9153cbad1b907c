"""``MlvlPointGenerator``: the per-level point grids of anchor-free heads (FCOS...)."""
from __future__ import annotations

import torch
from torch.nn.modules.utils import _pair

from .anchor_generator import PRIOR_GENERATORS, grid_xy, valid_grid_flags


@PRIOR_GENERATORS.register_module()
class MlvlPointGenerator:
    """One point per feature-map position of each level, at ``(index + offset) * stride``.

    Args:
        strides: Stride of each level (an int or ``(w, h)``).
        offset: Position of the point inside its stride cell. Defaults to 0.5 (the centre).
    """

    def __init__(self, strides, offset: float = 0.5):
        self.strides = [_pair(stride) for stride in strides]
        self.offset = offset

    @property
    def num_levels(self) -> int:
        return len(self.strides)

    @property
    def num_base_priors(self) -> list[int]:
        return [1] * self.num_levels

    def grid_priors(self, featmap_sizes, dtype=torch.float32, device='cuda',
                    with_stride: bool = False) -> list[torch.Tensor]:
        """Points of every level: ``(h * w, 2)`` ``(x, y)`` each, or ``(h * w, 4)`` with the strides appended."""
        if len(featmap_sizes) != self.num_levels:
            raise ValueError(f'{len(featmap_sizes)} feature maps for {self.num_levels} point levels')
        return [self.single_level_grid_priors(featmap_sizes[i], i, dtype=dtype, device=device,
                                              with_stride=with_stride) for i in range(self.num_levels)]

    def single_level_grid_priors(self, featmap_size, level_idx: int, dtype=torch.float32, device='cuda',
                                 with_stride: bool = False) -> torch.Tensor:
        feat_h, feat_w = featmap_size
        stride_w, stride_h = self.strides[level_idx]
        shift_x = ((torch.arange(0, feat_w, device=device) + self.offset) * stride_w).to(dtype)
        shift_y = ((torch.arange(0, feat_h, device=device) + self.offset) * stride_h).to(dtype)
        xx, yy = grid_xy(shift_x, shift_y)
        columns = [xx, yy]
        if with_stride:
            columns += [xx.new_full(xx.shape, stride_w), yy.new_full(yy.shape, stride_h)]
        return torch.stack(columns, dim=-1)

    def valid_flags(self, featmap_sizes, pad_shape, device='cuda') -> list[torch.Tensor]:
        """Per level, whether each point lies within the padded image."""
        return [valid_grid_flags(self.strides[i], featmap_sizes[i], pad_shape, 1, device)
                for i in range(self.num_levels)]

    def sparse_priors(self, prior_idxs: torch.Tensor, featmap_size, level_idx: int, dtype=torch.float32,
                      device='cuda') -> torch.Tensor:
        """The points at flat indices ``prior_idxs`` of one level."""
        width = featmap_size[1]
        stride_w, stride_h = self.strides[level_idx]
        x = (prior_idxs % width + self.offset) * stride_w
        y = (prior_idxs // width + self.offset) * stride_h
        return torch.stack([x, y], 1).to(dtype).to(device)

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(strides={self.strides}, offset={self.offset})'
