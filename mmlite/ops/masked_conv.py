"""``MaskedConv2d``: a convolution whose output is kept only where a mask is set (mmcv.ops name)."""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F


def masked_conv2d(features: torch.Tensor, mask: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None,
                  padding=0, stride=1) -> torch.Tensor:
    """``conv2d(features)`` where ``mask`` (``(n or 1, h, w)``) is set, 0 elsewhere. mmcv computed only the
    masked positions (one image at a time, no gradient); this computes them all, for any batch, with gradients.
    """
    out = F.conv2d(features, weight, bias, stride=stride, padding=padding)
    if mask.shape[-2:] != out.shape[-2:]:
        raise ValueError(f'masked_conv2d: mask {tuple(mask.shape)} does not match the output {tuple(out.shape)}')
    return out * (mask > 0).unsqueeze(1).to(out.dtype)


class MaskedConv2d(nn.Conv2d):
    """``nn.Conv2d`` whose ``forward(x, mask=None)`` zeroes the output outside ``mask``."""

    def forward(self, input: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        if mask is None:
            return super().forward(input)
        return masked_conv2d(input, mask, self.weight, self.bias, self.padding, self.stride)
