"""Mask helpers: RLE-encoding test results."""
from __future__ import annotations

import numpy as np
import pycocotools.mask as mask_utils


def encode_mask_results(mask_results):
    """Encode per-class lists of binary masks as COCO RLEs (keeps a ``(segms, scores)`` pair)."""
    segms, scores = mask_results if isinstance(mask_results, tuple) else (mask_results, None)
    encoded = [[mask_utils.encode(np.asfortranarray(np.asarray(m, dtype=np.uint8)[:, :, None]))[0]
                for m in class_masks] for class_masks in segms]
    return (encoded, scores) if scores is not None else encoded
