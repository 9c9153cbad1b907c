"""Mask helpers: RLE-encoding test results."""
from __future__ import annotations

import numpy as np
import pycocotools.mask as mask_utils
import torch


def encode_mask_results(mask_results):
    """Encode per-class lists of binary masks as COCO RLEs (keeps a ``(segms, scores)`` pair)."""
    segms, scores = mask_results if isinstance(mask_results, tuple) else (mask_results, None)
    encoded = [[mask_utils.encode(np.asfortranarray(np.asarray(m, dtype=np.uint8)[:, :, None]))[0]
                for m in class_masks] for class_masks in segms]
    return (encoded, scores) if scores is not None else encoded


def mask2bbox(masks: torch.Tensor) -> torch.Tensor:
    """Tight ``(x1, y1, x2, y2)`` boxes of ``(N, H, W)`` boolean masks (zeros for empty masks)."""
    bboxes = masks.new_zeros((masks.shape[0], 4), dtype=torch.float32)
    cols, rows = masks.any(dim=1), masks.any(dim=2)
    for i in range(masks.shape[0]):
        xs, ys = torch.nonzero(cols[i]).flatten(), torch.nonzero(rows[i]).flatten()
        if len(xs) and len(ys):
            bboxes[i] = bboxes.new_tensor([xs[0], ys[0], xs[-1] + 1, ys[-1] + 1])
    return bboxes
