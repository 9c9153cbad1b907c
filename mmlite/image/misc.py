"""``tensor2imgs``: a normalised image batch back to displayable uint8 arrays (mmcv.image name)."""
from __future__ import annotations

import numpy as np
import torch


def tensor2imgs(tensor: torch.Tensor, mean=(0, 0, 0), std=(1, 1, 1), to_rgb: bool = True) -> list[np.ndarray]:
    """Undo ``Normalize`` on an ``(N, C, H, W)`` tensor: per image an ``(H, W, C)`` uint8 array.

    ``to_rgb`` is the flag the pipeline's Normalize used; the arrays come back in BGR order then.
    """
    if tensor.ndim != 4:
        raise ValueError(f'tensor2imgs expects an (N, C, H, W) tensor, got shape {tuple(tensor.shape)}')
    channels = tensor.size(1)
    if channels not in (1, 3) or len(mean) != channels or len(std) != channels:
        raise ValueError(f'mean/std of length {channels} are needed for {channels}-channel images')
    mean_t = torch.as_tensor(mean, dtype=torch.float32).view(1, -1, 1, 1)
    std_t = torch.as_tensor(std, dtype=torch.float32).view(1, -1, 1, 1)
    images = (tensor.detach().float().cpu() * std_t + mean_t).permute(0, 2, 3, 1).numpy()
    if to_rgb and channels == 3:
        images = images[..., ::-1]
    return [np.ascontiguousarray(np.clip(img, 0, 255).astype(np.uint8)) for img in images]
