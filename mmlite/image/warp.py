"""Affine warps of NumPy images with OpenCV's ``warpAffine`` arithmetic, without OpenCV.

Destination pixels are mapped back to the source through the inverted matrix in OpenCV's fixed
point (1/1024 pixel, rounded to 1/32 for bilinear weights), and uint8 bilinear taps are blended
with integer weights, so results match OpenCV's classic kernels value for value.
"""
from __future__ import annotations

import numpy as np

BORDER_MODES = ('constant', 'replicate', 'reflect', 'wrap', 'reflect_101')
INTERPOLATIONS = ('nearest', 'bilinear')
_AB_BITS = 10  # fixed-point bits of the mapped coordinates
_INTER_BITS = 5  # bilinear weights are multiples of 1/32


def invert_affine(matrix: np.ndarray) -> np.ndarray:
    """The inverse of a 2x3 affine matrix, computed as OpenCV does (0 for a singular one)."""
    m = np.asarray(matrix, dtype=np.float64).reshape(2, 3)
    det = m[0, 0] * m[1, 1] - m[0, 1] * m[1, 0]
    det = 1.0 / det if det != 0 else 0.0
    a00, a11 = m[1, 1] * det, m[0, 0] * det
    a01, a10 = m[0, 1] * -det, m[1, 0] * -det
    b0 = -a00 * m[0, 2] - a01 * m[1, 2]
    b1 = -a10 * m[0, 2] - a11 * m[1, 2]
    return np.array([[a00, a01, b0], [a10, a11, b1]])


def _source_fixed_point(inverse: np.ndarray, height: int, width: int, frac_bits: int):
    """Source x and y of every destination pixel, in units of ``2**-frac_bits`` pixel (int64)."""
    scale = 1 << _AB_BITS
    half = scale >> (frac_bits + 1)
    cols = np.arange(width, dtype=np.float64)
    rows = np.arange(height, dtype=np.float64)
    shift = _AB_BITS - frac_bits
    coords = []
    for r in range(2):
        per_col = np.rint(inverse[r, 0] * cols * scale).astype(np.int64)
        per_row = np.rint((inverse[r, 1] * rows + inverse[r, 2]) * scale).astype(np.int64) + half
        coords.append((per_row[:, None] + per_col[None, :]) >> shift)
    return coords


def _source_projective(inverse: np.ndarray, height: int, width: int, frac_bits: int):
    """As :func:`_source_fixed_point` for a 3x3 inverse map (per-pixel division, rounded)."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float64)
    w = inverse[2, 0] * xs + inverse[2, 1] * ys + inverse[2, 2]
    w = np.divide(float(1 << frac_bits), w, out=np.zeros_like(w), where=w != 0)
    limit = np.iinfo(np.int32)
    return [np.rint(np.clip((inverse[r, 0] * xs + inverse[r, 1] * ys + inverse[r, 2]) * w, limit.min,
                            limit.max)).astype(np.int64) for r in range(2)]


def _border_index(index: np.ndarray, length: int, mode: str) -> np.ndarray:
    """``index`` mapped into ``[0, length)`` by the border mode; 'constant' maps every index
    outside to -1 (the caller frames the source with one border pixel and adds 1)."""
    if mode == 'constant':
        return np.clip(index, -1, length)
    if mode == 'replicate' or length == 1:
        return np.clip(index, 0, length - 1)
    if mode == 'wrap':
        return index % length
    if mode == 'reflect':
        folded = index % (2 * length)
        return np.where(folded >= length, 2 * length - 1 - folded, folded)
    folded = index % (2 * length - 2)  # reflect_101: the edge pixel is not repeated
    return np.where(folded >= length, 2 * length - 2 - folded, folded)


def _border_array(border_value, channels: int, dtype) -> np.ndarray:
    values = np.asarray(border_value, dtype=np.float64).reshape(-1)
    if values.size == 1:
        values = np.repeat(values, channels)
    if values.size < channels:
        raise ValueError(f'border_value {border_value!r} has {values.size} values for an image with {channels} '
                         'channels; give one value or one per channel')
    values = values[:channels]
    if np.issubdtype(dtype, np.integer):  # saturated, as OpenCV converts its border scalar
        info = np.iinfo(dtype)
        values = np.clip(np.rint(values), info.min, info.max)
    return values.astype(dtype)


class _Sampler:
    """Reads source pixels at integer coordinates, resolving out-of-range ones by the border mode."""

    def __init__(self, src: np.ndarray, mode: str, border: np.ndarray):
        self.height, self.width = src.shape[:2]
        self.mode = mode
        if mode == 'constant':  # one frame of border pixels: every outside tap reads the frame
            framed = np.empty((self.height + 2, self.width + 2, src.shape[2]), src.dtype)
            framed[...] = border
            framed[1:-1, 1:-1] = src
            src = framed
        self.stride = src.shape[1]
        self.pixels = src.reshape(-1, src.shape[2])

    def rows(self, ys: np.ndarray) -> np.ndarray:
        return (_border_index(ys, self.height, self.mode) + (self.mode == 'constant')) * self.stride

    def cols(self, xs: np.ndarray) -> np.ndarray:
        return _border_index(xs, self.width, self.mode) + (self.mode == 'constant')

    def __call__(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        return self.pixels[rows + cols]


def _bilinear(sample: _Sampler, coords, dtype) -> np.ndarray:
    fx, fy = (coords[0] & 31).astype(np.int32), (coords[1] & 31).astype(np.int32)
    x0, y0 = coords[0] >> _INTER_BITS, coords[1] >> _INTER_BITS
    rows, cols = (sample.rows(y0), sample.rows(y0 + 1)), (sample.cols(x0), sample.cols(x0 + 1))
    wx, wy = (32 - fx, fx), (32 - fy, fy)  # tap weights in 1/1024, summing to 1024
    integer = dtype == np.uint8  # integer blend, rounded half up: OpenCV's fixed-point kernel
    total = None
    for i in range(2):
        for j in range(2):
            weight = (wy[i] * wx[j])[..., None]
            taps = sample(rows[i], cols[j])
            term = taps * weight if integer else taps.astype(np.float32) * (weight.astype(np.float32) / 1024)
            total = term if total is None else total + term
    if integer:
        return ((total + 512) >> 10).astype(np.uint8)
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        total = np.clip(np.rint(total), info.min, info.max)
    return total.astype(dtype)


def warp_affine(img: np.ndarray, matrix: np.ndarray, dsize: tuple, interpolation: str = 'bilinear',
                border_mode: str = 'constant', border_value=0) -> np.ndarray:
    """``img`` warped by the 2x3 ``matrix`` (source to destination coordinates) into a
    ``dsize = (w, h)`` image; ``border_value`` (one value, or one per channel) fills 'constant'
    borders."""
    return _warp(img, np.asarray(matrix, dtype=np.float64).reshape(2, 3), dsize, interpolation, border_mode,
                 border_value)


def warp_perspective(img: np.ndarray, matrix: np.ndarray, dsize: tuple, interpolation: str = 'bilinear',
                     border_mode: str = 'constant', border_value=0) -> np.ndarray:
    """As :func:`warp_affine` for a 3x3 projective ``matrix`` (OpenCV's ``warpPerspective``)."""
    return _warp(img, np.asarray(matrix, dtype=np.float64).reshape(3, 3), dsize, interpolation, border_mode,
                 border_value)


def _warp(img: np.ndarray, matrix: np.ndarray, dsize: tuple, interpolation: str, border_mode: str,
          border_value) -> np.ndarray:
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f'interpolation must be one of {INTERPOLATIONS} for affine warps, got {interpolation!r}')
    if border_mode not in BORDER_MODES:
        raise ValueError(f'border_mode must be one of {BORDER_MODES}, got {border_mode!r}')
    width, height = int(dsize[0]), int(dsize[1])
    src = img[..., None] if img.ndim == 2 else img
    border = _border_array(border_value, src.shape[2], src.dtype)
    if matrix.shape == (2, 3):
        inverse, source = invert_affine(matrix), _source_fixed_point
    else:
        inverse, source = np.linalg.inv(matrix), _source_projective
    sample = _Sampler(src, border_mode, border)
    if interpolation == 'nearest':
        xs, ys = source(inverse, height, width, 0)
        out = sample(sample.rows(ys), sample.cols(xs))
    else:
        out = _bilinear(sample, source(inverse, height, width, _INTER_BITS), src.dtype)
    return out[..., 0] if img.ndim == 2 else out


def rotation_matrix(center: tuple, angle: float, scale: float = 1.0) -> np.ndarray:
    """The 2x3 matrix rotating by ``angle`` degrees counter-clockwise about ``center = (x, y)`` and
    scaling by ``scale`` (OpenCV's ``getRotationMatrix2D``)."""
    cx, cy = center
    radians = np.deg2rad(angle)
    cos, sin = np.cos(radians) * scale, np.sin(radians) * scale
    return np.array([[cos, sin, (1 - cos) * cx - sin * cy], [-sin, cos, sin * cx + (1 - cos) * cy]])


def warped_box_bounds(boxes: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """The ``(x1, y1, x2, y2)`` bounds of each box's four corners mapped by a 2x2, 2x3 or 3x3 (projective)
    ``matrix``, computed in the wider of the boxes' and the matrix's dtypes; not clipped."""
    square = np.eye(3, dtype=matrix.dtype)
    square[:matrix.shape[0], :matrix.shape[1]] = matrix
    x1, y1, x2, y2 = (boxes[:, i] for i in range(4))
    ones = np.ones_like(x1)
    corners = np.stack([np.stack(c, -1) for c in ((x1, y1, ones), (x2, y1, ones), (x1, y2, ones), (x2, y2, ones))],
                       axis=1)  # n x 4 x 3
    points = corners @ square.T
    xy = points[..., :2] / points[..., 2:]
    return np.concatenate([xy.min(axis=1), xy.max(axis=1)], axis=1)


def _fill_per_channel(border_value, img: np.ndarray, name: str) -> tuple:
    channels = 1 if img.ndim == 2 else img.shape[-1]
    if isinstance(border_value, (int, float)):
        return (border_value, ) * channels
    if not isinstance(border_value, tuple) or len(border_value) != channels:
        raise ValueError(f'{name} border_value must be a number or a tuple of {channels} values (one per channel), '
                         f'got {border_value!r}')
    return border_value


def imrotate(img: np.ndarray, angle: float, center: tuple | None = None, scale: float = 1.0, border_value=0,
             interpolation: str = 'bilinear', auto_bound: bool = False, border_mode: str = 'constant') -> np.ndarray:
    """Rotate by ``angle`` degrees clockwise about ``center`` (default: the image centre) and scale;
    ``auto_bound`` grows the output to hold the whole rotated image. A number as ``border_value``
    fills every channel (mmcv's OpenCV call filled only the first: docs/compat.md)."""
    if center is not None and auto_bound:
        raise ValueError('imrotate: auto_bound=True computes its own centre; do not pass center with it')
    h, w = img.shape[:2]
    matrix = rotation_matrix(((w - 1) * 0.5, (h - 1) * 0.5) if center is None else center, -angle, scale)
    if auto_bound:
        cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
        new_w = w * cos + h * sin
        new_h = h * cos + w * sin
        matrix[0, 2] += (new_w - w) * 0.5
        matrix[1, 2] += (new_h - h) * 0.5
        w, h = int(np.round(new_w)), int(np.round(new_h))
    fill = border_value if isinstance(border_value, (int, float)) else tuple(border_value)
    return warp_affine(img, matrix, (w, h), interpolation, border_mode, fill)


def axis_matrix(value: float, direction: str, shear: bool, name: str = 'warp') -> np.ndarray:
    """The float32 (as mmcv: the same rounding of ``value``) 2x3 matrix of a shear by ``value`` or a
    shift by ``value`` pixels along 'horizontal' or 'vertical'; ``name`` goes into the error."""
    if direction not in ('horizontal', 'vertical'):
        raise ValueError(f"{name} direction must be 'horizontal' or 'vertical', got {direction!r}")
    matrix = np.array([[1, 0, 0], [0, 1, 0]], dtype=np.float32)
    if shear:
        matrix[(0, 1) if direction == 'horizontal' else (1, 0)] = value
    else:
        matrix[(0, 2) if direction == 'horizontal' else (1, 2)] = value
    return matrix


def imshear(img: np.ndarray, magnitude: float, direction: str = 'horizontal', border_value=0,
            interpolation: str = 'bilinear') -> np.ndarray:
    """Shear: ``x' = x + magnitude * y`` ('horizontal') or ``y' = y + magnitude * x`` ('vertical')."""
    fill = _fill_per_channel(border_value, img, 'imshear')
    return warp_affine(img, axis_matrix(magnitude, direction, True, 'imshear'), img.shape[1::-1], interpolation,
                       'constant', fill)


def imtranslate(img: np.ndarray, offset: float, direction: str = 'horizontal', border_value=0,
                interpolation: str = 'bilinear') -> np.ndarray:
    """Shift by ``offset`` pixels right ('horizontal') or down ('vertical'); negative moves the other way."""
    fill = _fill_per_channel(border_value, img, 'imtranslate')
    return warp_affine(img, axis_matrix(offset, direction, False, 'imtranslate'), img.shape[1::-1],
                       interpolation, 'constant', fill)
