"""``RoIPool`` (max pooling over quantised RoI bins) with mmcv's signature on ``torchvision.ops.roi_pool``."""
from __future__ import annotations

import torch
import torch.nn as nn
from torch.nn.modules.utils import _pair
from torchvision.ops import roi_pool as tv_roi_pool


def roi_pool(input: torch.Tensor, rois: torch.Tensor, output_size, spatial_scale: float = 1.0) -> torch.Tensor:
    """Max-pool each RoI (``(n, 5)``: batch index, x1, y1, x2, y2, corners rounded to the feature grid)
    into ``output_size`` bins."""
    return tv_roi_pool(input, rois.to(input.dtype), _pair(output_size), float(spatial_scale))


class RoIPool(nn.Module):
    """mmcv's ``RoIPool(output_size, spatial_scale=1.0)``."""

    def __init__(self, output_size, spatial_scale: float = 1.0):
        super().__init__()
        self.output_size = _pair(output_size)
        self.spatial_scale = float(spatial_scale)

    def forward(self, input: torch.Tensor, rois: torch.Tensor) -> torch.Tensor:
        return roi_pool(input, rois, self.output_size, self.spatial_scale)

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(output_size={self.output_size}, spatial_scale={self.spatial_scale})'
