"""``RoIAlign`` with mmcv's signature on ``torchvision.ops.roi_align``."""
from __future__ import annotations

import torch
import torch.nn as nn
from torch.nn.modules.utils import _pair
from torchvision.ops import roi_align as tv_roi_align


def roi_align(input: torch.Tensor, rois: torch.Tensor, output_size, spatial_scale: float = 1.0,
              sampling_ratio: int = 0, pool_mode: str = 'avg', aligned: bool = True) -> torch.Tensor:
    """Bilinear RoI pooling of ``rois`` (``(n, 5)``: batch index, x1, y1, x2, y2) from ``input``.

    ``sampling_ratio=0`` samples adaptively (as mmcv and torchvision); only ``pool_mode='avg'``
    exists in torchvision.
    """
    if pool_mode != 'avg':
        raise NotImplementedError(f"RoIAlign pool_mode={pool_mode!r} is not available in mmlite; use 'avg'")
    if rois.dtype != input.dtype:
        rois = rois.to(input.dtype)
    return tv_roi_align(input, rois, _pair(output_size), spatial_scale, sampling_ratio, aligned)


class RoIAlign(nn.Module):
    """mmcv's ``RoIAlign(output_size, spatial_scale=1.0, sampling_ratio=0, pool_mode='avg',
    aligned=True, use_torchvision=False)``; ``use_torchvision`` is accepted (it always is)."""

    def __init__(self, output_size, spatial_scale: float = 1.0, sampling_ratio: int = 0, pool_mode: str = 'avg',
                 aligned: bool = True, use_torchvision: bool = False):
        super().__init__()
        if pool_mode != 'avg':
            raise NotImplementedError(f"RoIAlign pool_mode={pool_mode!r} is not available in mmlite; use 'avg'")
        self.output_size = _pair(output_size)
        self.spatial_scale = float(spatial_scale)
        self.sampling_ratio = int(sampling_ratio)
        self.pool_mode, self.aligned, self.use_torchvision = pool_mode, aligned, use_torchvision

    def forward(self, input: torch.Tensor, rois: torch.Tensor) -> torch.Tensor:
        return roi_align(input, rois, self.output_size, self.spatial_scale, self.sampling_ratio, self.pool_mode,
                         self.aligned)

    def extra_repr(self) -> str:
        return (f'output_size={self.output_size}, spatial_scale={self.spatial_scale}, '
                f'sampling_ratio={self.sampling_ratio}, pool_mode={self.pool_mode}, aligned={self.aligned}')
