"""Point sampling on feature maps (mmcv.ops.point_sample names): coordinates in ``[0, 1]`` relative to an RoI or an
image, bilinear sampling with ``F.grid_sample``, and ``SimpleRoIAlign`` built on them (PointRend)."""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.modules.utils import _pair


def normalize(grid: torch.Tensor) -> torch.Tensor:
    """``[-1, 1]`` coordinates to ``[0, 1]``."""
    return (grid + 1.0) / 2.0


def denormalize(grid: torch.Tensor) -> torch.Tensor:
    """``[0, 1]`` coordinates to ``[-1, 1]`` (``grid_sample``'s)."""
    return grid * 2.0 - 1.0


def generate_grid(num_grid: int, size: tuple, device) -> torch.Tensor:
    """The centres of a ``size`` (h, w) grid of cells in ``[0, 1]`` coordinates, ``(num_grid, h * w, 2)`` (x, y)."""
    identity = torch.tensor([[[1., 0., 0.], [0., 1., 0.]]], device=device)
    grid = normalize(F.affine_grid(identity, torch.Size((1, 1, *_pair(size))), align_corners=False))
    return grid.view(1, -1, 2).expand(num_grid, -1, -1)


def rel_roi_point_to_abs_img_point(rois: torch.Tensor, rel_roi_points: torch.Tensor) -> torch.Tensor:
    """Points relative to their RoI (``(n, p, 2)`` in ``[0, 1]``) to image coordinates; ``rois`` are ``(n, 4)``
    boxes or ``(n, 5)`` with the batch index first."""
    if rois.dim() != 2 or rel_roi_points.dim() != 3 or rel_roi_points.shape[0] != rois.shape[0] \
            or rel_roi_points.shape[2] != 2:
        raise ValueError(f'expected rois (n, 4 or 5) and points (n, p, 2), got {tuple(rois.shape)} and '
                         f'{tuple(rel_roi_points.shape)}')
    boxes = rois[:, 1:] if rois.shape[1] == 5 else rois
    with torch.no_grad():
        xs = rel_roi_points[:, :, 0] * (boxes[:, None, 2] - boxes[:, None, 0]) + boxes[:, None, 0]
        ys = rel_roi_points[:, :, 1] * (boxes[:, None, 3] - boxes[:, None, 1]) + boxes[:, None, 1]
        return torch.stack([xs, ys], dim=2)


def abs_img_point_to_rel_img_point(abs_img_points: torch.Tensor, img, spatial_scale: float = 1.) -> torch.Tensor:
    """Image coordinates to ``[0, 1]`` coordinates of ``img``: an ``(h, w)`` tuple or an ``(n, c, h, w)`` map whose
    pixels are ``1 / spatial_scale`` image pixels."""
    if isinstance(img, torch.Tensor):
        if img.dim() != 4:
            raise ValueError(f'img must be an (n, c, h, w) feature map or an (h, w) tuple, got {tuple(img.shape)}')
        height, width = img.shape[2:]
    else:
        height, width = img
    scale = torch.tensor([width, height], dtype=torch.float, device=abs_img_points.device).view(1, 1, 2)
    return abs_img_points / scale * spatial_scale


def rel_roi_point_to_rel_img_point(rois: torch.Tensor, rel_roi_points: torch.Tensor, img,
                                   spatial_scale: float = 1.) -> torch.Tensor:
    """Points relative to their RoI to ``[0, 1]`` coordinates of ``img`` (see the two steps above)."""
    return abs_img_point_to_rel_img_point(rel_roi_point_to_abs_img_point(rois, rel_roi_points), img, spatial_scale)


def point_sample(input: torch.Tensor, points: torch.Tensor, align_corners: bool = False,  # noqa: A002
                 **kwargs) -> torch.Tensor:
    """Bilinear samples of ``input`` (``(n, c, h, w)``) at ``[0, 1]`` ``points``: ``(n, p, 2)`` gives ``(n, c, p)``,
    ``(n, h', w', 2)`` gives ``(n, c, h', w')``; ``kwargs`` go to ``F.grid_sample``."""
    flat = points.dim() == 3
    grid = denormalize(points.unsqueeze(2) if flat else points)
    output = F.grid_sample(input, grid, align_corners=align_corners, **kwargs)
    return output.squeeze(3) if flat else output


def sample_roi_points(features: torch.Tensor, rois: torch.Tensor, rel_roi_points: torch.Tensor,
                      spatial_scale: float, align_corners: bool = False) -> torch.Tensor:
    """``(n, channels, points)``: each RoI's ``[0, 1]`` points sampled from its own image's ``(N, C, h, w)``
    feature map, whose pixels are ``1 / spatial_scale`` image pixels; ``rois`` carry the batch index first."""
    sampled = features.new_zeros(rois.shape[0], features.shape[1], rel_roi_points.shape[1])
    for batch_ind in range(features.shape[0]):
        inds = torch.nonzero(rois[:, 0].long() == batch_ind).squeeze(1)
        if inds.numel():
            feat = features[batch_ind:batch_ind + 1]
            points = rel_roi_point_to_rel_img_point(rois[inds], rel_roi_points[inds], feat, spatial_scale)
            sampled[inds] = point_sample(feat, points.unsqueeze(0), align_corners=align_corners)[0].transpose(0, 1)
    return sampled


class SimpleRoIAlign(nn.Module):
    """RoI features sampled bilinearly at the centres of an ``output_size`` grid of each RoI (one sample per bin).

    Args:
        output_size: ``h`` or ``(h, w)`` of the pooled features.
        spatial_scale: Feature-map pixels per image pixel.
        aligned: Pixel centres at half-integer coordinates (``grid_sample``'s ``align_corners=False``).
    """

    def __init__(self, output_size, spatial_scale: float, aligned: bool = True):
        super().__init__()
        self.output_size = _pair(output_size)
        self.spatial_scale = float(spatial_scale)
        self.aligned = aligned
        self.use_torchvision = False

    def forward(self, features: torch.Tensor, rois: torch.Tensor) -> torch.Tensor:
        grid = generate_grid(rois.shape[0], self.output_size, rois.device)
        roi_feats = sample_roi_points(features, rois, grid, self.spatial_scale, align_corners=not self.aligned)
        return roi_feats.view(rois.shape[0], features.shape[1], *self.output_size)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(output_size={self.output_size}, spatial_scale={self.spatial_scale})'
