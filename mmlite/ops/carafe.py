"""CARAFE, content-aware reassembly of features (mmcv.ops.carafe names), in PyTorch: each output pixel is a
weighted sum of the ``k x k`` input neighbourhood of its source pixel, with weights predicted per output pixel."""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..cnn import UPSAMPLE_LAYERS, normal_init, xavier_init


def carafe(features: torch.Tensor, masks: torch.Tensor, kernel_size: int, group_size: int,
           scale_factor: int) -> torch.Tensor:
    """Reassemble ``features`` ``(n, c, h, w)`` into ``(n, c, h * s, w * s)``.

    ``masks`` ``(n, group_size * k * k, h * s, w * s)`` hold, per channel group and output pixel, the weights of the
    ``k x k`` window (row-major) centred on the input pixel ``(y // s, x // s)``; pixels outside the input count
    as zero. Differentiable in both inputs; memory stays at one output-sized tensor per window offset.
    """
    n, channels, height, width = features.shape
    k, s = kernel_size, scale_factor
    if k % 2 != 1 or channels % group_size:
        raise ValueError(f'carafe needs an odd kernel_size and channels divisible by group_size, got kernel_size={k}, '
                         f'{channels} channels, group_size={group_size}')
    if masks.shape != (n, group_size * k * k, height * s, width * s):
        raise ValueError(f'carafe masks must be {(n, group_size * k * k, height * s, width * s)}, '
                         f'got {tuple(masks.shape)}')
    radius = (k - 1) // 2
    padded = F.pad(features, (radius, radius, radius, radius)).view(n, group_size, channels // group_size,
                                                                    height + 2 * radius, width + 2 * radius)
    masks = masks.view(n, group_size, 1, k * k, height * s, width * s)
    output = features.new_zeros(n, group_size, channels // group_size, height * s, width * s)
    for dy in range(k):
        for dx in range(k):
            window = padded[..., dy:dy + height, dx:dx + width]
            window = window.repeat_interleave(s, dim=3).repeat_interleave(s, dim=4)
            output = output + window * masks[:, :, :, dy * k + dx]
    return output.view(n, channels, height * s, width * s)


carafe_naive = carafe


class CARAFE(nn.Module):
    """:func:`carafe` with fixed ``kernel_size``, ``group_size`` and ``scale_factor``."""

    def __init__(self, kernel_size: int, group_size: int, scale_factor: int):
        super().__init__()
        self.kernel_size, self.group_size, self.scale_factor = int(kernel_size), int(group_size), int(scale_factor)

    def forward(self, features: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        return carafe(features, masks, self.kernel_size, self.group_size, self.scale_factor)


CARAFENaive = CARAFE


@UPSAMPLE_LAYERS.register_module(name='carafe')
class CARAFEPack(nn.Module):
    """CARAFE upsampling (Wang et al., 2019): a 1x1 channel compressor and a content encoder predict, per output
    pixel, softmax-normalised ``up_kernel x up_kernel`` reassembly weights (per ``up_group``).

    Args:
        channels: Input (and output) channels.
        scale_factor: Upsampling ratio.
        up_kernel / up_group: Reassembly window and channel groups. Defaults 5 / 1.
        encoder_kernel / encoder_dilation: The content encoder's conv. Defaults 3 / 1.
        compressed_channels: Channels after the compressor. Defaults to 64.
    """

    def __init__(self, channels: int, scale_factor: int, up_kernel: int = 5, up_group: int = 1,
                 encoder_kernel: int = 3, encoder_dilation: int = 1, compressed_channels: int = 64):
        super().__init__()
        self.channels, self.scale_factor = channels, scale_factor
        self.up_kernel, self.up_group = up_kernel, up_group
        self.encoder_kernel, self.encoder_dilation = encoder_kernel, encoder_dilation
        self.compressed_channels = compressed_channels
        self.channel_compressor = nn.Conv2d(channels, compressed_channels, 1)
        self.content_encoder = nn.Conv2d(compressed_channels, up_kernel * up_kernel * up_group * scale_factor**2,
                                         encoder_kernel, padding=int((encoder_kernel - 1) * encoder_dilation / 2),
                                         dilation=encoder_dilation)
        self.init_weights()

    def init_weights(self) -> None:
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                xavier_init(module, distribution='uniform')
        normal_init(self.content_encoder, std=0.001)

    def kernel_normalizer(self, mask: torch.Tensor) -> torch.Tensor:
        """Encoder output to per-output-pixel weights: pixel shuffle, then softmax over each window."""
        mask = F.pixel_shuffle(mask, self.scale_factor)
        n, channels, height, width = mask.shape
        mask = F.softmax(mask.view(n, channels // self.up_kernel**2, -1, height, width), dim=2, dtype=mask.dtype)
        return mask.view(n, channels, height, width)

    def feature_reassemble(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return carafe(x, mask, self.up_kernel, self.up_group, self.scale_factor)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mask = self.kernel_normalizer(self.content_encoder(self.channel_compressor(x)))
        return self.feature_reassemble(x, mask)
