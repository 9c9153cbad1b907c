"""Deformable RoI pooling with mmcv.ops names (``DeformRoIPool``, ``DeformRoIPoolPack``,
``ModulatedDeformRoIPoolPack``, ``deform_roi_pool``), in PyTorch: an aligned RoIAlign whose bins are shifted by
learnt offsets, differentiable in the features and the offsets (mmcv has a CUDA kernel only)."""
from __future__ import annotations

import torch
import torch.nn as nn
from torch.nn.modules.utils import _pair


def _bilinear(flat: torch.Tensor, height: int, width: int, batch: torch.Tensor, y: torch.Tensor,
              x: torch.Tensor) -> torch.Tensor:
    """mmcv's RoIAlign interpolation at points ``y``/``x`` of images ``batch`` (equal shapes) of the features
    ``flat`` (``(C, B * H * W)``): zero beyond one pixel outside, clamped to the border within it. Returns
    ``(C, *y.shape)``."""
    outside = (y < -1.0) | (y > height) | (x < -1.0) | (x > width)
    y, x = y.clamp(min=0), x.clamp(min=0)
    y_low, x_low = y.detach().floor().long(), x.detach().floor().long()
    y_edge, x_edge = y_low >= height - 1, x_low >= width - 1
    y_low, x_low = y_low.clamp(max=height - 1), x_low.clamp(max=width - 1)
    y = torch.where(y_edge, y_low.to(y.dtype), y)
    x = torch.where(x_edge, x_low.to(x.dtype), x)
    y_high = torch.where(y_edge, y_low, y_low + 1)
    x_high = torch.where(x_edge, x_low, x_low + 1)
    ly, lx = y - y_low, x - x_low
    hy, hx = 1 - ly, 1 - lx
    base = batch * (height * width)

    def at(yy, xx):
        return flat[:, (base + yy * width + xx).reshape(-1)].reshape(flat.shape[0], *yy.shape)

    val = hy * hx * at(y_low, x_low) + hy * lx * at(y_low, x_high) + ly * hx * at(y_high, x_low) + \
        ly * lx * at(y_high, x_high)
    return val.masked_fill(outside, 0)


def _grid_sizes(extent: torch.Tensor, bins: int, sampling_ratio: int) -> torch.Tensor:
    if sampling_ratio > 0:
        return torch.full_like(extent, sampling_ratio, dtype=torch.long)
    return torch.ceil(extent / bins).long().clamp(min=0)


def deform_roi_pool(input: torch.Tensor, rois: torch.Tensor, offset: torch.Tensor | None, output_size,  # noqa: A002
                    spatial_scale: float = 1.0, sampling_ratio: int = 0, gamma: float = 0.1) -> torch.Tensor:
    """Per RoI ``(batch_idx, x1, y1, x2, y2)`` the ``output_size`` bins of an aligned RoIAlign over ``input``, each
    shifted by ``gamma * roi size * offset`` (``offset``: ``(n, 2, ph, pw)``, x then y; None: no shift); each bin
    averages a ``sampling_ratio`` (0: ``ceil(roi size / bins)``) square grid of samples. ``(n, C, ph, pw)``."""
    if rois.dim() != 2 or rois.size(1) != 5:
        raise ValueError(f'rois must be (n, 5) rows of (batch_idx, x1, y1, x2, y2), got {tuple(rois.shape)}')
    pooled_h, pooled_w = _pair(output_size)
    channels, height, width = input.shape[1:]
    flat = input.permute(1, 0, 2, 3).reshape(channels, -1)
    start_w, start_h = rois[:, 1] * spatial_scale - 0.5, rois[:, 2] * spatial_scale - 0.5
    roi_w, roi_h = rois[:, 3] * spatial_scale - 0.5 - start_w, rois[:, 4] * spatial_scale - 0.5 - start_h
    grids = torch.stack([_grid_sizes(roi_h, pooled_h, sampling_ratio),
                         _grid_sizes(roi_w, pooled_w, sampling_ratio)], 1)
    out = input.new_zeros((rois.size(0), channels, pooled_h, pooled_w))
    view = (-1, 1, 1, 1, 1)  # per RoI, broadcast over (ph, pw, grid_h, grid_w)
    bins_y = torch.arange(pooled_h, dtype=input.dtype, device=input.device).view(1, -1, 1, 1, 1)
    bins_x = torch.arange(pooled_w, dtype=input.dtype, device=input.device).view(1, 1, -1, 1, 1)
    for grid_h, grid_w in torch.unique(grids, dim=0).tolist():  # RoIs sampled alike, together
        keep = ((grids[:, 0] == grid_h) & (grids[:, 1] == grid_w)).nonzero().squeeze(1)
        if grid_h * grid_w == 0:
            continue  # empty or inverted RoIs pool to zero (as mmcv)
        sw, sh, rw, rh = (t[keep].view(view) for t in (start_w, start_h, roi_w, roi_h))
        if offset is not None:
            sw = sw + gamma * rw * offset[keep, 0][:, :, :, None, None]
            sh = sh + gamma * rh * offset[keep, 1][:, :, :, None, None]
        steps_y = (torch.arange(grid_h, dtype=input.dtype, device=input.device) + 0.5).view(1, 1, 1, -1, 1)
        steps_x = (torch.arange(grid_w, dtype=input.dtype, device=input.device) + 0.5).view(1, 1, 1, 1, -1)
        y = sh + bins_y * (rh / pooled_h) + steps_y * (rh / pooled_h) / grid_h
        x = sw + bins_x * (rw / pooled_w) + steps_x * (rw / pooled_w) / grid_w
        y, x = torch.broadcast_tensors(y, x)  # (k, ph, pw, grid_h, grid_w)
        batch = rois[keep, 0].long().view(view).expand_as(y)
        values = _bilinear(flat, height, width, batch, y, x).sum(dim=(-2, -1)) / (grid_h * grid_w)
        out = out.index_put((keep, ), values.transpose(0, 1))
    return out


class DeformRoIPool(nn.Module):
    """:func:`deform_roi_pool` as a module: ``forward(input, rois, offset=None)``."""

    def __init__(self, output_size, spatial_scale: float = 1.0, sampling_ratio: int = 0, gamma: float = 0.1):
        super().__init__()
        self.output_size, self.spatial_scale = _pair(output_size), float(spatial_scale)
        self.sampling_ratio, self.gamma = int(sampling_ratio), float(gamma)

    def forward(self, input: torch.Tensor, rois: torch.Tensor, offset: torch.Tensor | None = None):  # noqa: A002
        return deform_roi_pool(input, rois, offset, self.output_size, self.spatial_scale, self.sampling_ratio,
                               self.gamma)

    def extra_repr(self) -> str:
        return (f'output_size={self.output_size}, spatial_scale={self.spatial_scale}, '
                f'sampling_ratio={self.sampling_ratio}, gamma={self.gamma}')


def _fc_stack(in_features: int, hidden: int, out_features: int, num_hidden: int) -> nn.Sequential:
    layers, width = [], in_features
    for _ in range(num_hidden):
        layers += [nn.Linear(width, hidden), nn.ReLU(inplace=True)]
        width = hidden
    last = nn.Linear(width, out_features)
    nn.init.zeros_(last.weight)
    nn.init.zeros_(last.bias)
    return nn.Sequential(*layers, last)


class DeformRoIPoolPack(DeformRoIPool):
    """Offsets predicted from an unshifted pooling by three linears (``offset_fc``, the last zero-initialised:
    it starts as RoIAlign)."""

    def __init__(self, output_size, output_channels: int, deform_fc_channels: int = 1024, spatial_scale: float = 1.0,
                 sampling_ratio: int = 0, gamma: float = 0.1):
        super().__init__(output_size, spatial_scale, sampling_ratio, gamma)
        self.output_channels, self.deform_fc_channels = output_channels, deform_fc_channels
        bins = self.output_size[0] * self.output_size[1]
        self.offset_fc = _fc_stack(bins * output_channels, deform_fc_channels, bins * 2, num_hidden=2)

    def _pooled(self, input, rois):  # noqa: A002
        if input.size(1) != self.output_channels:
            raise ValueError(f'{type(self).__name__} expects {self.output_channels} channels, got {input.size(1)}')
        return deform_roi_pool(input, rois, None, self.output_size, self.spatial_scale, self.sampling_ratio,
                               self.gamma).view(rois.size(0), -1)

    def forward(self, input: torch.Tensor, rois: torch.Tensor) -> torch.Tensor:  # noqa: A002
        offset = self.offset_fc(self._pooled(input, rois)).view(rois.size(0), 2, *self.output_size)
        return super().forward(input, rois, offset)


class ModulatedDeformRoIPoolPack(DeformRoIPoolPack):
    """:class:`DeformRoIPoolPack` whose bins are also scaled by a predicted sigmoid mask (``mask_fc``, starting at
    0.5)."""

    def __init__(self, output_size, output_channels: int, deform_fc_channels: int = 1024, spatial_scale: float = 1.0,
                 sampling_ratio: int = 0, gamma: float = 0.1):
        super().__init__(output_size, output_channels, deform_fc_channels, spatial_scale, sampling_ratio, gamma)
        bins = self.output_size[0] * self.output_size[1]
        self.mask_fc = nn.Sequential(*_fc_stack(bins * output_channels, deform_fc_channels, bins, num_hidden=1),
                                     nn.Sigmoid())

    def forward(self, input: torch.Tensor, rois: torch.Tensor) -> torch.Tensor:  # noqa: A002
        pooled = self._pooled(input, rois)
        offset = self.offset_fc(pooled).view(rois.size(0), 2, *self.output_size)
        mask = self.mask_fc(pooled).view(rois.size(0), 1, *self.output_size)
        return DeformRoIPool.forward(self, input, rois, offset) * mask
