"""``DropBlock`` (Ghiasi et al., 2018): drop contiguous square regions of feature maps while training."""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from ...cnn import PLUGIN_LAYERS

eps = 1e-6  # guards the rescaling against an all-dropped map (mmdet's module constant)


@PLUGIN_LAYERS.register_module()
class DropBlock(nn.Module):
    """Zero ``block_size x block_size`` squares whose centres are drawn so that about ``drop_prob`` of
    the map is dropped, and rescale the rest; the rate ramps up linearly over ``warmup_iters`` training
    calls. Identity in eval mode."""

    def __init__(self, drop_prob: float, block_size: int, warmup_iters: int = 2000, **kwargs):
        super().__init__()
        if block_size % 2 != 1:
            raise ValueError(f'DropBlock block_size must be odd, got {block_size}')
        if not 0 < drop_prob <= 1:
            raise ValueError(f'DropBlock drop_prob must be in (0, 1], got {drop_prob}')
        if warmup_iters < 0:
            raise ValueError(f'DropBlock warmup_iters must be >= 0, got {warmup_iters}')
        self.drop_prob, self.block_size, self.warmup_iters = drop_prob, block_size, warmup_iters
        self.iter_cnt = 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training:
            return x
        self.iter_cnt += 1
        n, c, h, w = x.shape
        half = self.block_size // 2
        centres = torch.bernoulli(torch.full((n, c, h - self.block_size + 1, w - self.block_size + 1),
                                             self._compute_gamma((h, w)), device=x.device))
        dropped = F.max_pool2d(F.pad(centres, [half] * 4, value=0), kernel_size=self.block_size, stride=1,
                               padding=half)
        keep = 1 - dropped
        return x * keep * keep.numel() / (eps + keep.sum())

    def _compute_gamma(self, feat_size: tuple) -> float:
        """Rate of block centres giving ``drop_prob`` dropped pixels, scaled by the warm-up."""
        h, w = feat_size
        gamma = self.drop_prob * h * w / ((h - self.block_size + 1) * (w - self.block_size + 1)) / self.block_size**2
        warm = 1.0 if self.iter_cnt > self.warmup_iters else self.iter_cnt / self.warmup_iters
        return gamma * warm

    def extra_repr(self) -> str:
        return f'drop_prob={self.drop_prob}, block_size={self.block_size}, warmup_iters={self.warmup_iters}'
