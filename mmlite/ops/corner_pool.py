"""``CornerPool`` (mmcv.ops name): running maxima along one direction (CornerNet's corner pooling)."""
from __future__ import annotations

import torch
import torch.nn as nn

# mode: (dim, from the far end)
_MODES = {'bottom': (2, False), 'left': (3, True), 'right': (3, False), 'top': (2, True)}


class CornerPool(nn.Module):
    """Each position takes the maximum of the positions from it towards ``mode``'s side: 'top' the maximum
    of itself and everything below it, 'left' of everything right of it, 'bottom' above, 'right' left of it."""

    def __init__(self, mode: str):
        super().__init__()
        if mode not in _MODES:
            raise ValueError(f'CornerPool mode must be one of {sorted(_MODES)}, got {mode!r}')
        self.mode = mode

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        dim, reverse = _MODES[self.mode]
        if reverse:
            return torch.cummax(x.flip(dim), dim=dim)[0].flip(dim)
        return torch.cummax(x, dim=dim)[0]
