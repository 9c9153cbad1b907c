"""Colour operations on NumPy images (mmcv.image names) without OpenCV."""
from __future__ import annotations

import numpy as np
import torch


def imnormalize(img: np.ndarray, mean, std, to_rgb: bool = True) -> np.ndarray:
    """``(img - mean) / std`` in float32, converting BGR to RGB first when ``to_rgb``.

    For a uint8 ``H x W x C`` image the result is stored channel-first (not C-contiguous; the
    values are the same): see docs/compat.md, item 27.
    """
    if img.dtype == np.uint8 and img.ndim == 3 and img.shape[-1] == np.size(mean) == np.size(std):
        return _imnormalize_uint8(img, mean, std, to_rgb)
    img = img.astype(np.float32)
    return imnormalize_(img, mean, std, to_rgb)


def _imnormalize_uint8(img: np.ndarray, mean, std, to_rgb: bool) -> np.ndarray:
    """The same float32 arithmetic as :func:`imnormalize_`, one contiguous channel plane at a time.

    The result is an ``H x W x C`` array stored channel-first (a transposed view of ``C x H x W``
    planes): writing planes is about 4x faster than interleaved channels, and the ``C x H x W``
    tensor that ``DefaultFormatBundle`` makes is then a free view instead of a copy.
    """
    channels = img.shape[-1]
    mean32 = np.asarray(mean, dtype=np.float64).reshape(-1).astype(np.float32)
    stdinv32 = (1 / np.asarray(std, dtype=np.float64).reshape(-1)).astype(np.float32)
    source = torch.from_numpy(np.ascontiguousarray(img)).permute(2, 0, 1)
    planes = torch.empty((channels, ) + img.shape[:2], dtype=torch.float32)
    for c in range(channels):  # float32 scalars: bit-identical to the array arithmetic
        torch.sub(source[channels - 1 - c if to_rgb else c], float(mean32[c]), out=planes[c])
        planes[c].mul_(float(stdinv32[c]))
    return planes.numpy().transpose(1, 2, 0)


def imnormalize_(img: np.ndarray, mean, std, to_rgb: bool = True) -> np.ndarray:
    """In-place version of :func:`imnormalize` (``img`` must be float32)."""
    mean = np.asarray(mean, dtype=np.float64).reshape(1, -1)
    stdinv = 1 / np.asarray(std, dtype=np.float64).reshape(1, -1)
    if to_rgb:
        img[...] = img[..., ::-1]
    img -= mean.astype(np.float32)
    img *= stdinv.astype(np.float32)
    return img


def imdenormalize(img: np.ndarray, mean, std, to_bgr: bool = True) -> np.ndarray:
    """Undo :func:`imnormalize`."""
    img = img * np.asarray(std, dtype=np.float32).reshape(1, -1) + np.asarray(mean, dtype=np.float32).reshape(1, -1)
    return img[..., ::-1].copy() if to_bgr else img


def bgr2rgb(img: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(img[..., ::-1])


rgb2bgr = bgr2rgb


def bgr2gray(img: np.ndarray, keepdim: bool = False) -> np.ndarray:
    """Luma (ITU-R BT.601) of a BGR image; uint8 in OpenCV's 15-bit fixed point, so values are identical."""
    if img.dtype == np.uint8:
        wide = img.astype(np.int32)
        gray = ((wide[..., 0] * 3735 + wide[..., 1] * 19235 + wide[..., 2] * 9798 + (1 << 14)) >> 15).astype(np.uint8)
    else:
        gray = (img[..., 0] * 0.114 + img[..., 1] * 0.587 + img[..., 2] * 0.299).astype(img.dtype)
    return gray[..., None] if keepdim else gray


def gray2bgr(img: np.ndarray) -> np.ndarray:
    img = img[..., 0] if img.ndim == 3 else img
    return np.repeat(img[..., None], 3, axis=2)


def bgr2hsv(img: np.ndarray) -> np.ndarray:
    """BGR float image (0-255 or 0-1 range kept) to HSV with H in degrees [0, 360), as OpenCV
    does for float images."""
    img = img.astype(np.float32)
    b, g, r = img[..., 0], img[..., 1], img[..., 2]
    v = img.max(axis=-1)
    mn = img.min(axis=-1)
    diff = v - mn
    s = np.where(v > 0, diff / np.where(v > 0, v, 1), 0)
    safe = np.where(diff > 0, diff, 1)
    h = np.where(v == r, 60 * (g - b) / safe,
                 np.where(v == g, 120 + 60 * (b - r) / safe, 240 + 60 * (r - g) / safe))
    h = np.where(diff > 0, h, 0)
    h = np.where(h < 0, h + 360, h)
    return np.stack([h, s, v], axis=-1).astype(np.float32)


def hsv2bgr(img: np.ndarray) -> np.ndarray:
    """Inverse of :func:`bgr2hsv`."""
    h, s, v = img[..., 0] % 360, img[..., 1], img[..., 2]
    c = v * s
    hp = h / 60
    x = c * (1 - np.abs(hp % 2 - 1))
    zeros = np.zeros_like(c)
    sector = np.floor(hp).astype(np.int64) % 6
    r = np.choose(sector, [c, x, zeros, zeros, x, c])
    g = np.choose(sector, [x, c, c, x, zeros, zeros])
    b = np.choose(sector, [zeros, zeros, x, c, c, x])
    m = v - c
    return np.stack([b + m, g + m, r + m], axis=-1).astype(np.float32)


def rgb2gray(img: np.ndarray, keepdim: bool = False) -> np.ndarray:
    """Luma of an RGB image."""
    return bgr2gray(img[..., ::-1], keepdim)


gray2rgb = gray2bgr


def iminvert(img: np.ndarray) -> np.ndarray:
    """``255 - img``."""
    return np.full_like(img, 255) - img


def imconvert(img: np.ndarray, src: str, dst: str) -> np.ndarray:
    """Convert between 'bgr', 'rgb', 'gray' and 'hsv' (OpenCV's ``COLOR_<SRC>2<DST>`` names)."""
    key = (src.lower(), dst.lower())
    conversions = {('bgr', 'rgb'): bgr2rgb, ('rgb', 'bgr'): bgr2rgb, ('bgr', 'gray'): bgr2gray,
                   ('rgb', 'gray'): rgb2gray, ('gray', 'bgr'): gray2bgr, ('gray', 'rgb'): gray2bgr,
                   ('bgr', 'hsv'): bgr2hsv, ('hsv', 'bgr'): hsv2bgr,
                   ('rgb', 'hsv'): lambda x: bgr2hsv(x[..., ::-1]), ('hsv', 'rgb'): lambda x: hsv2bgr(x)[..., ::-1]}
    if key not in conversions:
        raise ValueError(f'imconvert: {src} to {dst} is not supported; supported: '
                         f'{sorted(f"{a}2{b}" for a, b in conversions)}')
    return conversions[key](img)


def posterize(img: np.ndarray, bits: int) -> np.ndarray:
    """Keep the ``bits`` highest bits of each uint8 value."""
    shift = 8 - bits
    return np.left_shift(np.right_shift(img, shift), shift)


def solarize(img: np.ndarray, thr: int = 128) -> np.ndarray:
    """Invert the values at or above ``thr``."""
    return np.where(img < thr, img, 255 - img)
