"""Photometric adjustments of NumPy images (mmcv.image names) computed as mmcv's OpenCV calls do.

Blends follow ``cv2.addWeighted`` (float32 images: ``img * a + other * b``, clipped to 0-255, cut to
the input dtype); ``backend='pillow'`` uses Pillow's ``ImageEnhance`` on uint8 BGR images instead.
"""
from __future__ import annotations

import numpy as np

from .colorspace import bgr2gray, bgr_to_hsv_uint8, hsv_to_bgr_uint8

_BACKENDS = (None, 'cv2', 'pillow')


def _check_backend(backend, name: str) -> None:
    if backend not in _BACKENDS:
        raise ValueError(f"{name} backend must be None, 'cv2' or 'pillow', got {backend!r}")


def _weighted_sum(a: np.ndarray, alpha: float, b: np.ndarray, beta: float, gamma: float = 0.) -> np.ndarray:
    """``a * alpha + b * beta + gamma`` as ``cv2.addWeighted`` computes it: for uint8 inputs in float32
    with fused multiply-adds, rounded and saturated; otherwise in float64, stored as float32."""
    if a.dtype == np.uint8:
        inner = (b.astype(np.float64) * np.float32(beta) + np.float32(gamma)).astype(np.float32)
        mixed = (a.astype(np.float64) * np.float32(alpha) + inner).astype(np.float32)
        return np.clip(np.rint(mixed), 0, 255).astype(np.uint8)
    return (a.astype(np.float64) * alpha + np.asarray(b, np.float64) * beta + gamma).astype(np.float32)


def _blend(img: np.ndarray, other, factor: float) -> np.ndarray:
    """``img * factor + other * (1 - factor)`` in float (mmcv's blend of float32 copies), clipped to
    0-255 and cut to ``img``'s dtype."""
    mixed = _weighted_sum(img.astype(np.float32), factor, np.asarray(other, np.float32), 1 - factor)
    return np.clip(mixed, 0, 255).astype(img.dtype)


def _pillow_enhance(img: np.ndarray, enhancer: str, factor: float) -> np.ndarray:
    from PIL import Image, ImageEnhance

    if img.dtype != np.uint8 or img.ndim != 3 or img.shape[2] != 3:
        raise TypeError(f"backend='pillow' needs a uint8 H x W x 3 BGR image, got {img.dtype} {img.shape}")
    pil = Image.fromarray(np.ascontiguousarray(img[..., ::-1]))
    return np.ascontiguousarray(np.asarray(getattr(ImageEnhance, enhancer)(pil).enhance(factor))[..., ::-1])


def adjust_brightness(img: np.ndarray, factor: float = 1., backend: str | None = None) -> np.ndarray:
    """Blend with a black image: 0 gives black, 1 the original, above 1 brighter."""
    _check_backend(backend, 'adjust_brightness')
    if backend == 'pillow':
        return _pillow_enhance(img, 'Brightness', factor)
    return _blend(img, 0, factor)


def adjust_color(img: np.ndarray, alpha: float = 1, beta: float | None = None, gamma: float = 0,
                 backend: str | None = None) -> np.ndarray:
    """Saturation: ``img * alpha + gray * beta + gamma`` (``beta`` defaults to ``1 - alpha``); uint8
    results are rounded and saturated, others clipped to 0-255 and kept float."""
    _check_backend(backend, 'adjust_color')
    if backend == 'pillow':
        return _pillow_enhance(img, 'Color', alpha)
    beta = 1 - alpha if beta is None else beta
    mixed = _weighted_sum(img, alpha, np.repeat(bgr2gray(img)[..., None], img.shape[-1], -1), beta, gamma)
    return mixed if mixed.dtype == np.uint8 else np.clip(mixed, 0, 255)


def adjust_contrast(img: np.ndarray, factor: float = 1., backend: str | None = None) -> np.ndarray:
    """Blend with a flat image of the mean gray level: 0 gives that gray, 1 the original."""
    _check_backend(backend, 'adjust_contrast')
    if backend == 'pillow':
        return _pillow_enhance(img, 'Contrast', factor)
    gray = bgr2gray(img)
    mean = round(float(np.sum(gray)) / gray.size)
    return _blend(img, np.full(img.shape[:2] + (3, ), mean, dtype=img.dtype), factor)


def adjust_sharpness(img: np.ndarray, factor: float = 1., kernel: np.ndarray | None = None) -> np.ndarray:
    """Blend with a blurred copy (``kernel``, default a 3x3 smoothing kernel weighted 5 in the
    centre): 0 gives the blur, 1 the original, above 1 sharper."""
    if kernel is None:
        kernel = np.array([[1., 1., 1.], [1., 5., 1.], [1., 1., 1.]]) / 13
    if not isinstance(kernel, np.ndarray) or kernel.ndim != 2:
        raise TypeError(f'adjust_sharpness kernel must be a 2-D NumPy array, got {kernel!r}')
    return _blend(img, _filter2d(img, kernel), factor)


def adjust_hue(img: np.ndarray, hue_factor: float, backend: str | None = None) -> np.ndarray:
    """Rotate the hue of a BGR image by ``hue_factor`` of a full turn (in [-0.5, 0.5]), in OpenCV's
    full-range 8-bit HSV (with Pillow, in its HSV; gray images come back unchanged)."""
    _check_backend(backend, 'adjust_hue')
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f'adjust_hue hue_factor must be in [-0.5, 0.5], got {hue_factor}')
    if not isinstance(img, np.ndarray) or img.ndim not in (2, 3):
        raise TypeError(f'adjust_hue needs a 2-D or 3-D NumPy image, got {type(img).__name__}')
    shift = int(hue_factor * 255) % 256  # wraps like mmcv's uint8 addition
    if backend == 'pillow':
        return _pillow_hue(img, shift)
    hsv = bgr_to_hsv_uint8(img.astype(np.uint8), full=True)
    hsv[..., 0] += np.uint8(shift)  # uint8 arithmetic wraps around the colour circle
    return hsv_to_bgr_uint8(hsv, full=True).astype(img.dtype)


def _pillow_hue(img: np.ndarray, shift: int) -> np.ndarray:
    from PIL import Image

    if img.dtype != np.uint8:
        raise TypeError(f"backend='pillow' needs a uint8 image, got {img.dtype}")
    if img.ndim == 2 or img.shape[2] == 1:
        return img
    hsv = np.array(Image.fromarray(np.ascontiguousarray(img[..., ::-1])).convert('HSV'))
    hsv[..., 0] += np.uint8(shift)
    return np.ascontiguousarray(np.asarray(Image.fromarray(hsv, 'HSV').convert('RGB'))[..., ::-1])


def _filter2d(img: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Correlation with ``kernel`` anchored at its centre, mirrored borders (OpenCV's ``filter2D``
    default ``BORDER_REFLECT_101``), in ``img``'s dtype (integers rounded and saturated)."""
    kh, kw = kernel.shape
    top, left = kh // 2, kw // 2
    widths = [(top, kh - 1 - top), (left, kw - 1 - left)] + [(0, 0)] * (img.ndim - 2)
    padded = np.pad(img.astype(np.float32), widths, mode='reflect')
    h, w = img.shape[:2]
    total = np.zeros(img.shape, np.float32)
    for dy in range(kh):
        for dx in range(kw):
            total += np.float32(kernel[dy, dx]) * padded[dy:dy + h, dx:dx + w]
    if np.issubdtype(img.dtype, np.integer):
        info = np.iinfo(img.dtype)
        return np.clip(np.rint(total), info.min, info.max).astype(img.dtype)
    return total.astype(img.dtype)


def adjust_lighting(img: np.ndarray, eigval: np.ndarray, eigvec: np.ndarray, alphastd: float = 0.1,
                    to_rgb: bool = True) -> np.ndarray:
    """AlexNet-style PCA lighting noise: add ``eigvec @ (alpha * eigval)`` to every pixel, ``alpha``
    drawn from ``N(0, alphastd)`` with NumPy's global generator; returns float32 (RGB with ``to_rgb``)."""
    if not isinstance(eigval, np.ndarray) or not isinstance(eigvec, np.ndarray):
        raise TypeError('adjust_lighting eigval and eigvec must be NumPy arrays')
    if eigval.ndim != 1 or eigvec.shape != (3, eigval.shape[0]):
        raise ValueError(f'adjust_lighting needs eigval of shape (n,) and eigvec of shape (3, n), got '
                         f'{eigval.shape} and {eigvec.shape}')
    if not isinstance(alphastd, float):
        raise TypeError(f'adjust_lighting alphastd must be a float, got {alphastd!r}')
    out = img.astype(np.float32)
    if to_rgb:
        out = np.ascontiguousarray(out[..., ::-1])
    alpha = np.random.normal(0, alphastd, eigval.shape[0])
    return out + (eigvec * alpha[None] * eigval[None]).sum(axis=1)


def lut_transform(img: np.ndarray, lut_table: np.ndarray) -> np.ndarray:
    """Map every value through the 256-entry ``lut_table`` (the result has the table's dtype)."""
    if not isinstance(img, np.ndarray) or img.size and not (0 <= img.min() and img.max() <= 255):
        raise ValueError('lut_transform needs an image with values in 0-255')
    if not isinstance(lut_table, np.ndarray) or lut_table.shape != (256, ):
        raise ValueError(f'lut_transform needs a NumPy table of shape (256,), got {lut_table!r}')
    return lut_table[img.astype(np.uint8)]


def imequalize(img: np.ndarray) -> np.ndarray:
    """Histogram equalisation of each channel (Pillow's ``ImageOps.equalize`` rule)."""
    planes = []
    for c in range(3):
        plane = img[..., c].astype(np.uint8)
        hist = np.bincount(plane.ravel(), minlength=256)
        used = hist[hist > 0]
        step = (used.sum() - used[-1]) // 255 if used.size else 0
        if step:
            plane = np.minimum(np.concatenate([[0], (np.cumsum(hist) + step // 2)[:-1] // step]), 255)[plane]
        planes.append(plane)
    return np.stack(planes, axis=-1).astype(img.dtype)


def auto_contrast(img: np.ndarray, cutoff=0) -> np.ndarray:
    """Stretch each channel so its darkest and brightest values (after cutting ``cutoff`` percent, one
    number or ``(low, high)``, of the pixels off each end) become 0 and 255."""
    if isinstance(cutoff, (int, float)):
        cutoff = (cutoff, cutoff)
    elif not isinstance(cutoff, tuple):
        raise TypeError(f'auto_contrast cutoff must be a number or a tuple, got {cutoff!r}')
    planes = []
    for c in range(3):
        plane = img[..., c].astype(np.uint8)
        cumulative = np.cumsum(np.bincount(plane.ravel(), minlength=256))
        total = cumulative[-1]
        low_cut, high_cut = total * cutoff[0] // 100, total - total * cutoff[1] // 100
        kept = np.diff(np.clip(cumulative, low_cut, high_cut) - low_cut, prepend=0)
        present = np.nonzero(kept)[0]
        low, high = (present[0], present[-1]) if present.size else (0, 0)
        if low >= high:
            planes.append(img[..., c])
            continue
        scale = 255.0 / (high - low)
        planes.append(np.clip(np.arange(256) * scale - low * scale, 0, 255)[plane])
    return np.stack(planes, axis=-1).astype(img.dtype)


def clahe(img: np.ndarray, clip_limit: float = 40.0, tile_grid_size: tuple = (8, 8)) -> np.ndarray:
    """Contrast-limited adaptive histogram equalisation of a 2-D image (OpenCV's ``CLAHE``):
    ``tile_grid_size = (tiles_x, tiles_y)``, histograms clipped at ``clip_limit`` times the mean bin
    count, each pixel mapped through the bilinear blend of the four nearest tiles' tables."""
    if not isinstance(img, np.ndarray) or img.ndim != 2:
        raise ValueError(f'clahe needs a 2-D (single-channel) image, got shape {np.shape(img)}')
    img = np.asarray(img, dtype=np.uint8)
    tiles_x, tiles_y = int(tile_grid_size[0]), int(tile_grid_size[1])
    h, w = img.shape
    source = img
    if w % tiles_x or h % tiles_y:  # OpenCV pads both sides (by a whole tile row/column where it divides)
        source = np.pad(img, ((0, tiles_y - h % tiles_y), (0, tiles_x - w % tiles_x)), mode='reflect')
    tile_h, tile_w = source.shape[0] // tiles_y, source.shape[1] // tiles_x
    luts = _clahe_tables(source, tiles_x, tiles_y, tile_w, tile_h, clip_limit)
    x_left, x_right, x_weight = _clahe_axis(w, tile_w, tiles_x)
    y_top, y_bottom, y_weight = _clahe_axis(h, tile_h, tiles_y)
    one = np.float32(1)

    def blend(rows):
        return (luts[rows[:, None], x_left[None], img] * (one - x_weight)
                + luts[rows[:, None], x_right[None], img] * x_weight)

    result = blend(y_top) * (one - y_weight)[:, None] + blend(y_bottom) * y_weight[:, None]
    return np.clip(np.rint(result), 0, 255).astype(np.uint8)


def _clahe_tables(source: np.ndarray, tiles_x: int, tiles_y: int, tile_w: int, tile_h: int,
                  clip_limit: float) -> np.ndarray:
    """Per-tile lookup tables (``tiles_y x tiles_x x 256``, float32 values of uint8 levels)."""
    area = tile_w * tile_h
    tiles = source[:tiles_y * tile_h, :tiles_x * tile_w].reshape(tiles_y, tile_h, tiles_x, tile_w)
    tiles = tiles.transpose(0, 2, 1, 3).reshape(tiles_y * tiles_x, area)
    hists = np.stack([np.bincount(tile, minlength=256) for tile in tiles]).astype(np.int64)
    limit = max(int(clip_limit * area / 256), 1) if clip_limit > 0 else 0
    if limit:
        clipped = np.maximum(hists - limit, 0).sum(axis=1)
        hists = np.minimum(hists, limit) + (clipped // 256)[:, None]
        for hist, residual in zip(hists, clipped % 256):
            if residual:  # the remainder goes one by one to evenly spaced bins
                hist[::max(256 // residual, 1)][:residual] += 1
    luts = np.rint(np.cumsum(hists, axis=1).astype(np.float32) * (np.float32(255) / np.float32(area))).clip(0, 255)
    return luts.astype(np.float32).reshape(tiles_y, tiles_x, 256)


def _clahe_axis(length: int, tile: int, tiles: int):
    """Left/right (or top/bottom) tile of each pixel and the weight of the second, in float32."""
    position = np.arange(length, dtype=np.float32) * (np.float32(1) / np.float32(tile)) - np.float32(0.5)
    first = np.floor(position).astype(np.int64)
    weight = (position - first).astype(np.float32)
    return np.maximum(first, 0), np.minimum(first + 1, tiles - 1), weight
