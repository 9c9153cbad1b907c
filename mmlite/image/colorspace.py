"""Colour-space conversions of NumPy images (``mmcv.image.colorspace``), without OpenCV."""
from __future__ import annotations

import numpy as np


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


_HSV_SHIFT = 12  # OpenCV's fixed-point bits of 8-bit HSV
_LEVELS = np.arange(256, dtype=np.float64)
_SAT_DIV = np.concatenate([[0], np.rint((255 << _HSV_SHIFT) / _LEVELS[1:])]).astype(np.int64)


def _hue_div(hue_range: int) -> np.ndarray:
    return np.concatenate([[0], np.rint((hue_range << _HSV_SHIFT) / (6 * _LEVELS[1:]))]).astype(np.int64)


def bgr_to_hsv_uint8(img: np.ndarray, full: bool = False) -> np.ndarray:
    """uint8 BGR to OpenCV's 8-bit HSV in its integer arithmetic: H in [0, 180) (``full``: [0, 256)),
    S and V in [0, 255]."""
    b, g, r = (img[..., i].astype(np.int64) for i in range(3))
    v = np.maximum(np.maximum(b, g), r)
    diff = v - np.minimum(np.minimum(b, g), r)
    half = 1 << (_HSV_SHIFT - 1)
    s = (diff * _SAT_DIV[v] + half) >> _HSV_SHIFT
    hue_range = 256 if full else 180
    h = np.where(v == r, g - b, np.where(v == g, b - r + 2 * diff, r - g + 4 * diff))
    h = (h * _hue_div(hue_range)[diff] + half) >> _HSV_SHIFT
    h = np.where(h < 0, h + hue_range, h)
    return np.stack([np.clip(h, 0, 255), s, v], axis=-1).astype(np.uint8)


# which of (high, low, falling, rising) each of b, g, r takes in each sixth of the hue circle (HSV and HLS alike)
_SECTOR_TAPS = np.array([[1, 3, 0], [1, 0, 2], [3, 0, 1], [0, 2, 1], [0, 1, 3], [2, 1, 0]])


def hsv_to_bgr_uint8(img: np.ndarray, full: bool = False) -> np.ndarray:
    """OpenCV's 8-bit HSV (H in [0, 180), ``full``: [0, 255]) back to uint8 BGR, in its float32 steps."""
    h = img[..., 0].astype(np.float32) * np.float32(6.0 / (255 if full else 180))
    s = img[..., 1].astype(np.float32) * np.float32(1 / 255)
    v = img[..., 2].astype(np.float32) * np.float32(1 / 255)
    return np.clip(np.rint(_hsv_sixths_to_bgr(h, s, v) * np.float32(255)), 0, 255).astype(np.uint8)


def _hsv_sixths_to_bgr(sixths: np.ndarray, s: np.ndarray, v: np.ndarray) -> np.ndarray:
    """BGR (float32, in ``v``'s range) of hue in sixths of a turn, saturation in [0, 1] and value, by
    OpenCV's ``HSV2RGB`` steps."""
    sixths = np.mod(sixths, np.float32(6))
    sector = np.floor(sixths).astype(np.int64)
    frac = sixths - sector
    one = np.float32(1)
    taps = np.stack([v, v * (one - s), v * (one - s * frac), v * (one - s * (one - frac))], axis=-1)
    bgr = np.take_along_axis(taps, _SECTOR_TAPS[sector % 6], axis=-1)
    return np.where((s == 0)[..., None], v[..., None], bgr).astype(np.float32)


def bgr2hsv(img: np.ndarray) -> np.ndarray:
    """BGR to HSV as OpenCV: uint8 images give 8-bit HSV (H in [0, 180), S and V in [0, 255]); float
    images (0-255 or 0-1 range kept) give H in degrees [0, 360) and S in [0, 1]."""
    if img.dtype == np.uint8:
        return bgr_to_hsv_uint8(img)
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
    """Inverse of :func:`bgr2hsv` (uint8 for 8-bit HSV, float otherwise)."""
    if img.dtype == np.uint8:
        return hsv_to_bgr_uint8(img)
    hsv = img.astype(np.float32)
    return _hsv_sixths_to_bgr(hsv[..., 0] / np.float32(60), hsv[..., 1], hsv[..., 2])


def rgb2gray(img: np.ndarray, keepdim: bool = False) -> np.ndarray:
    """Luma of an RGB image."""
    return bgr2gray(img[..., ::-1], keepdim)


gray2rgb = gray2bgr


def imconvert(img: np.ndarray, src: str, dst: str) -> np.ndarray:
    """Convert between 'bgr', 'rgb', 'gray' and 'hsv' (OpenCV's ``COLOR_<SRC>2<DST>`` names)."""
    key = (src.lower(), dst.lower())
    conversions = {**_TABLE_CONVERSIONS, ('bgr', 'rgb'): bgr2rgb, ('rgb', 'bgr'): bgr2rgb, ('bgr', 'gray'): bgr2gray,
                   ('rgb', 'gray'): rgb2gray, ('gray', 'bgr'): gray2bgr, ('gray', 'rgb'): gray2bgr,
                   ('bgr', 'hsv'): bgr2hsv, ('hsv', 'bgr'): hsv2bgr,
                   ('rgb', 'hsv'): lambda x: bgr2hsv(x[..., ::-1]), ('hsv', 'rgb'): lambda x: hsv2bgr(x)[..., ::-1]}
    if key not in conversions:
        raise ValueError(f'imconvert: {src} to {dst} is not supported; supported: '
                         f'{sorted(f"{a}2{b}" for a, b in conversions)}')
    return conversions[key](img)


def convert_color_factory(src: str, dst: str):
    """A ``<src>2<dst>(img)`` function for :func:`imconvert`'s colour spaces."""
    def convert(img: np.ndarray) -> np.ndarray:
        return imconvert(img, src, dst)

    convert.__name__ = f'{src.lower()}2{dst.lower()}'
    convert.__doc__ = f'Convert a {src.upper()} image to {dst.upper()}.'
    return convert


# ITU-R BT.601 (studio swing) coefficients of RGB in [0, 1] to YCbCr in [16, 235/240]
_RGB2YCBCR = np.array([[65.481, -37.797, 112.0], [128.553, -74.203, -93.786], [24.966, 112.0, -18.214]])
_YCBCR2RGB = np.array([[0.00456621, 0.00456621, 0.00456621], [0, -0.00153632, 0.00791071],
                       [0.00625893, -0.00318811, 0]])
_YCBCR2RGB_OFFSET = np.array([-222.921, 135.576, -276.836])


def _unit_range(img: np.ndarray) -> np.ndarray:
    if img.dtype == np.uint8:
        return img.astype(np.float32) / 255.
    if img.dtype == np.float32:
        return img
    raise TypeError(f'YCbCr conversions take uint8 (0-255) or float32 (0-1) images, got {img.dtype}')


def _back_to(img: np.ndarray, dtype) -> np.ndarray:
    return img.round().astype(np.uint8) if dtype == np.uint8 else (img / 255.).astype(np.float32)


def rgb2ycbcr(img: np.ndarray, y_only: bool = False) -> np.ndarray:
    """RGB to YCbCr (BT.601, as MATLAB's ``rgb2ycbcr``); uint8 in and out, or float32 in [0, 1]."""
    unit = _unit_range(img)
    out = unit @ _RGB2YCBCR[:, 0] + 16.0 if y_only else unit @ _RGB2YCBCR + [16, 128, 128]
    return _back_to(out, img.dtype)


def bgr2ycbcr(img: np.ndarray, y_only: bool = False) -> np.ndarray:
    """:func:`rgb2ycbcr` of a BGR image."""
    return rgb2ycbcr(img[..., ::-1], y_only)


def ycbcr2rgb(img: np.ndarray) -> np.ndarray:
    """Inverse of :func:`rgb2ycbcr` (full YCbCr input)."""
    out = (_unit_range(img) * 255) @ _YCBCR2RGB * 255.0 + _YCBCR2RGB_OFFSET
    return _back_to(out, img.dtype)


def ycbcr2bgr(img: np.ndarray) -> np.ndarray:
    """Inverse of :func:`bgr2ycbcr`."""
    return np.ascontiguousarray(ycbcr2rgb(img)[..., ::-1])


def bgr2hls(img: np.ndarray) -> np.ndarray:
    """BGR to HLS as OpenCV: float images (0-1) give H in degrees and L, S in 0-1; uint8 images give
    H in 0-179 (degrees / 2) and L, S in 0-255."""
    unit = img.astype(np.float32) * np.float32(1 / 255) if img.dtype == np.uint8 else img.astype(np.float32)
    b, g, r = unit[..., 0], unit[..., 1], unit[..., 2]
    vmax, vmin = unit.max(axis=-1), unit.min(axis=-1)
    diff, total = vmax - vmin, vmax + vmin
    light = total * np.float32(0.5)
    coloured = diff > np.finfo(np.float32).eps
    safe = np.where(coloured, diff, 1)
    sat = np.where(light < 0.5, safe / np.where(coloured, total, 1), safe / np.where(coloured, 2 - total, 1))
    step = np.float32(60) / safe
    hue = np.where(vmax == r, (g - b) * step, np.where(vmax == g, (b - r) * step + 120, (r - g) * step + 240))
    hue = np.where(hue < 0, hue + 360, hue)
    hls = np.stack([np.where(coloured, hue, 0), light, np.where(coloured, sat, 0)], axis=-1).astype(np.float32)
    if img.dtype != np.uint8:
        return hls
    return np.clip(np.rint(hls * np.array([0.5, 255, 255], np.float32)), 0, 255).astype(np.uint8)


def hls2bgr(img: np.ndarray) -> np.ndarray:
    """Inverse of :func:`bgr2hls` (same value ranges)."""
    hls = img.astype(np.float32)
    if img.dtype == np.uint8:
        hls = hls * np.array([2, 1 / 255, 1 / 255], np.float32)
    hue, light, sat = hls[..., 0], hls[..., 1], hls[..., 2]
    high = np.where(light <= 0.5, light * (1 + sat), light + sat - light * sat)
    low = 2 * light - high
    sixths = np.mod(hue / np.float32(60), 6).astype(np.float32)
    sector = np.floor(sixths).astype(np.int64) % 6
    frac = sixths - np.floor(sixths)
    taps = np.stack([high, low, low + (high - low) * (1 - frac), low + (high - low) * frac], axis=-1)
    bgr = np.take_along_axis(taps, _SECTOR_TAPS[sector], axis=-1)
    bgr = np.where((sat == 0)[..., None], light[..., None], bgr).astype(np.float32)
    if img.dtype != np.uint8:
        return bgr
    return np.clip(np.rint(bgr * 255), 0, 255).astype(np.uint8)


def rgb2hls(img: np.ndarray) -> np.ndarray:
    return bgr2hls(img[..., ::-1])


def hls2rgb(img: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(hls2bgr(img)[..., ::-1])


_TABLE_CONVERSIONS = {('bgr', 'hls'): bgr2hls, ('hls', 'bgr'): hls2bgr, ('rgb', 'hls'): rgb2hls,
                      ('hls', 'rgb'): hls2rgb}
