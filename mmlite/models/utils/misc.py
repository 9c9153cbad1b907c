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
