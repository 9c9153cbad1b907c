"""Small functional helpers of mmdet's heads (mmdet.models.utils.misc names)."""
from __future__ import annotations

import torch


class SigmoidGeometricMean(torch.autograd.Function):
    """``sqrt(sigmoid(x) * sigmoid(y))`` with its analytic gradient (autograd through the square root gives
    NaN when both sigmoids underflow to 0)."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        x_sigmoid, y_sigmoid = x.sigmoid(), y.sigmoid()
        z = (x_sigmoid * y_sigmoid).sqrt()
        ctx.save_for_backward(x_sigmoid, y_sigmoid, z)
        return z

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor) -> tuple:
        x_sigmoid, y_sigmoid, z = ctx.saved_tensors
        half = grad_output * z / 2  # d sqrt(s(x) s(y)) / dx = z (1 - s(x)) / 2
        return half * (1 - x_sigmoid), half * (1 - y_sigmoid)


def sigmoid_geometric_mean(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The geometric mean of ``sigmoid(x)`` and ``sigmoid(y)`` (TOOD's aligned class score)."""
    return SigmoidGeometricMean.apply(x, y)


def interpolate_as(source: torch.Tensor, target, mode: str = 'bilinear', align_corners: bool = False) -> torch.Tensor:
    """``source`` (``(N, H, W)`` or ``(N, C, H, W)``) resized to the last two dimensions of ``target`` (a tensor
    or array); returned as it is when they already agree."""
    import torch.nn.functional as F
    if len(target.shape) < 2:
        raise ValueError(f'target must have at least 2 dimensions, got shape {tuple(target.shape)}')
    size = tuple(target.shape[-2:])
    if tuple(source.shape[-2:]) == size:
        return source
    if source.dim() == 3:
        return F.interpolate(source[:, None], size=size, mode=mode, align_corners=align_corners)[:, 0]
    return F.interpolate(source, size=size, mode=mode, align_corners=align_corners)
