"""Positional encodings of DETR-style heads (mmdet.models.utils names): ``SinePositionalEncoding`` and
``LearnedPositionalEncoding``, registered in mmcv's ``POSITIONAL_ENCODING``."""
from __future__ import annotations

import math

import torch
import torch.nn as nn

from ...cnn.transformer_layers import POSITIONAL_ENCODING
from ...runner import BaseModule


@POSITIONAL_ENCODING.register_module()
class SinePositionalEncoding(BaseModule):
    """Fixed sine/cosine encodings of each unpadded position's row and column counts (``2 * num_feats``
    channels: the ``y`` half first).

    Args:
        num_feats: Channels per axis.
        temperature: Wavelength base. Defaults to 10000.
        normalize: Scale the counts to ``[0, scale]`` over the unpadded extent (``offset`` added first).
        scale / eps / offset: Normalisation parameters.
    """

    def __init__(self, num_feats: int, temperature: float = 10000, normalize: bool = False,
                 scale: float = 2 * math.pi, eps: float = 1e-6, offset: float = 0., init_cfg=None):
        super().__init__(init_cfg)
        if normalize and not isinstance(scale, (float, int)):
            raise TypeError(f'SinePositionalEncoding.scale must be a number when normalize=True, got {scale!r}')
        self.num_feats, self.temperature, self.normalize = num_feats, temperature, normalize
        self.scale, self.eps, self.offset = scale, eps, offset

    def forward(self, mask: torch.Tensor) -> torch.Tensor:
        """``mask``: ``(B, H, W)``, nonzero at padding. Returns ``(B, 2 * num_feats, H, W)``."""
        not_mask = 1 - mask.to(torch.int)
        y_embed = not_mask.cumsum(1, dtype=torch.float32)
        x_embed = not_mask.cumsum(2, dtype=torch.float32)
        if self.normalize:
            y_embed = (y_embed + self.offset) / (y_embed[:, -1:, :] + self.eps) * self.scale
            x_embed = (x_embed + self.offset) / (x_embed[:, :, -1:] + self.eps) * self.scale
        dim_t = torch.arange(self.num_feats, dtype=torch.float32, device=mask.device)
        dim_t = self.temperature ** (2 * (dim_t // 2) / self.num_feats)
        batch, height, width = mask.size()

        def encode(embed):
            pos = embed[:, :, :, None] / dim_t
            return torch.stack((pos[..., 0::2].sin(), pos[..., 1::2].cos()), dim=4).view(batch, height, width, -1)

        return torch.cat((encode(y_embed), encode(x_embed)), dim=3).permute(0, 3, 1, 2)

    def extra_repr(self) -> str:
        return (f'num_feats={self.num_feats}, temperature={self.temperature}, normalize={self.normalize}, '
                f'scale={self.scale}, eps={self.eps}')


@POSITIONAL_ENCODING.register_module()
class LearnedPositionalEncoding(BaseModule):
    """Learnt row and column embeddings (``row_num_embed`` x ``col_num_embed`` at most), the column half first.

    Args:
        num_feats: Channels per axis.
        row_num_embed / col_num_embed: Largest feature-map height / width. Defaults to 50.
    """

    def __init__(self, num_feats: int, row_num_embed: int = 50, col_num_embed: int = 50,
                 init_cfg=dict(type='Uniform', layer='Embedding')):  # noqa: B006
        super().__init__(init_cfg)
        self.row_embed = nn.Embedding(row_num_embed, num_feats)
        self.col_embed = nn.Embedding(col_num_embed, num_feats)
        self.num_feats, self.row_num_embed, self.col_num_embed = num_feats, row_num_embed, col_num_embed

    def forward(self, mask: torch.Tensor) -> torch.Tensor:
        """``mask``: ``(B, H, W)``. Returns ``(B, 2 * num_feats, H, W)``."""
        height, width = mask.shape[-2:]
        if height > self.row_num_embed or width > self.col_num_embed:
            raise ValueError(f'LearnedPositionalEncoding: a {height}x{width} feature map exceeds row_num_embed='
                             f'{self.row_num_embed} / col_num_embed={self.col_num_embed}')
        x_embed = self.col_embed(torch.arange(width, device=mask.device))
        y_embed = self.row_embed(torch.arange(height, device=mask.device))
        pos = torch.cat((x_embed.unsqueeze(0).expand(height, -1, -1), y_embed.unsqueeze(1).expand(-1, width, -1)),
                        dim=-1)
        return pos.permute(2, 0, 1).unsqueeze(0).expand(mask.shape[0], -1, -1, -1).contiguous()

    def extra_repr(self) -> str:
        return f'num_feats={self.num_feats}, row_num_embed={self.row_num_embed}, col_num_embed={self.col_num_embed}'
