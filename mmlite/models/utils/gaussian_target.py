"""Gaussian heatmap helpers of the keypoint heads (CenterNet, CornerNet), with mmdet.models.utils names: the
Gaussian kernels and radius, peak extraction and feature gathering, plus a batched heatmap builder."""
from __future__ import annotations

from math import sqrt

import torch
import torch.nn.functional as F


def gaussian2D(radius: int, sigma: float = 1, dtype=torch.float32, device='cpu') -> torch.Tensor:
    """A ``(2r+1, 2r+1)`` Gaussian with peak 1; values under the dtype's epsilon (relative) are 0."""
    x = torch.arange(-radius, radius + 1, dtype=dtype, device=device).view(1, -1)
    y = torch.arange(-radius, radius + 1, dtype=dtype, device=device).view(-1, 1)
    h = (-(x * x + y * y) / (2 * sigma * sigma)).exp()
    h[h < torch.finfo(h.dtype).eps * h.max()] = 0
    return h


def gen_gaussian_target(heatmap: torch.Tensor, center, radius: int, k: float = 1) -> torch.Tensor:
    """Raise ``heatmap`` ``(H, W)`` in place to a Gaussian of ``radius`` (sigma ``(2r+1)/6``, scaled by ``k``)
    at integer ``center`` ``(x, y)``, clipped at the borders; returns it."""
    gaussian = gaussian2D(radius, sigma=(2 * radius + 1) / 6, dtype=heatmap.dtype, device=heatmap.device)
    x, y = center
    height, width = heatmap.shape[:2]
    left, right = min(x, radius), min(width - x, radius + 1)
    top, bottom = min(y, radius), min(height - y, radius + 1)
    window = heatmap[y - top:y + bottom, x - left:x + right]
    torch.max(window, gaussian[radius - top:radius + bottom, radius - left:radius + right] * k, out=window)
    return heatmap


def _radius_terms(height, width, min_overlap: float):
    """The three candidate radii of :func:`gaussian_radius` (scalars or tensors; same operation order)."""
    is_tensor = isinstance(height, torch.Tensor)
    root = torch.sqrt if is_tensor else sqrt
    b1 = height + width
    c1 = width * height * (1 - min_overlap) / (1 + min_overlap)
    r1 = (b1 - root(b1**2 - 4 * 1 * c1)) / (2 * 1)
    b2 = 2 * (height + width)
    c2 = (1 - min_overlap) * width * height
    r2 = (b2 - root(b2**2 - 4 * 4 * c2)) / (2 * 4)
    a3 = 4 * min_overlap
    b3 = -2 * min_overlap * (height + width)
    c3 = (min_overlap - 1) * width * height
    r3 = (b3 + root(b3**2 - 4 * a3 * c3)) / (2 * a3)
    return r1, r2, r3


def gaussian_radius(det_size, min_overlap: float):
    """The largest radius by which a box of ``det_size`` ``(h, w)`` corners can move and still overlap the
    box by IoU ``min_overlap`` (CornerNet's three cases); element-wise for tensors."""
    height, width = det_size
    r1, r2, r3 = _radius_terms(height, width, min_overlap)
    if isinstance(r1, torch.Tensor):
        return torch.minimum(torch.minimum(r1, r2), r3)
    return min(r1, r2, r3)


def draw_gaussian_targets(heatmap: torch.Tensor, centers: torch.Tensor, radii: torch.Tensor) -> torch.Tensor:
    """:func:`gen_gaussian_target` for many peaks at once: ``heatmap`` ``(H, W)`` raised in place to the
    Gaussians at integer ``centers`` ``(n, 2)`` (x, y) of integer ``radii`` ``(n,)``; returns it."""
    if len(centers) == 0:
        return heatmap
    height, width = heatmap.shape
    dtype = heatmap.dtype
    xs = torch.arange(width, device=heatmap.device)
    ys = torch.arange(height, device=heatmap.device)
    dx = (xs[None, :] - centers[:, 0:1]).to(dtype)  # (n, W)
    dy = (ys[None, :] - centers[:, 1:2]).to(dtype)  # (n, H)
    sigma = (2 * radii.to(torch.float64) + 1) / 6
    two_sigma2 = (2 * sigma * sigma).to(dtype)[:, None, None]
    values = (-(dx[:, None, :] * dx[:, None, :] + dy[:, :, None] * dy[:, :, None]) / two_sigma2).exp()
    radius = radii[:, None, None]
    inside = (dx.abs()[:, None, :] <= radius) & (dy.abs()[:, :, None] <= radius)
    values = torch.where(inside & (values >= torch.finfo(dtype).eps), values, values.new_zeros(()))
    return torch.maximum(heatmap, values.amax(dim=0), out=heatmap)


def get_local_maximum(heat: torch.Tensor, kernel: int = 3) -> torch.Tensor:
    """``heat`` with every value that is not the maximum of its ``kernel`` neighbourhood set to 0."""
    hmax = F.max_pool2d(heat, kernel, stride=1, padding=(kernel - 1) // 2)
    return heat * (hmax == heat).float()


def get_topk_from_heatmap(scores: torch.Tensor, k: int = 20) -> tuple:
    """The ``k`` highest scores of ``(N, C, H, W)`` heatmaps: scores, flat positions, classes, ys, xs."""
    batch, _, height, width = scores.size()
    topk_scores, topk_inds = torch.topk(scores.view(batch, -1), k)
    topk_clses = topk_inds // (height * width)
    topk_inds = topk_inds % (height * width)
    return topk_scores, topk_inds, topk_clses, topk_inds // width, (topk_inds % width).int().float()


def gather_feat(feat: torch.Tensor, ind: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """Rows ``ind`` ``(N, K)`` of ``feat`` ``(N, L, C)`` -> ``(N, K, C)`` (only those under ``mask``, flat)."""
    dim = feat.size(2)
    feat = feat.gather(1, ind.unsqueeze(2).repeat(1, 1, dim))
    if mask is not None:
        feat = feat[mask.unsqueeze(2).expand_as(feat)].view(-1, dim)
    return feat


def transpose_and_gather_feat(feat: torch.Tensor, ind: torch.Tensor) -> torch.Tensor:
    """:func:`gather_feat` on a ``(N, C, H, W)`` map at flat positions ``ind``."""
    return gather_feat(feat.permute(0, 2, 3, 1).reshape(feat.size(0), -1, feat.size(1)), ind)
