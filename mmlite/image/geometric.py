"""Resizing, flipping, padding and cropping NumPy images (mmcv.image names).

Resizing runs on PyTorch (bilinear with half-pixel centres like OpenCV's INTER_LINEAR; uint8
images keep their dtype and use PyTorch's fast channels-last kernel).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from .warp import imrotate, imshear, imtranslate  # noqa: F401 (mmcv.image.geometric names)

_MODES = {'nearest': 'nearest', 'bilinear': 'bilinear', 'bicubic': 'bicubic', 'area': 'area',
          'lanczos': 'bicubic'}


def _scale_size(size: tuple, scale) -> tuple[int, int]:
    if isinstance(scale, (float, int)):
        scale = (scale, scale)
    w, h = size
    return int(w * float(scale[0]) + 0.5), int(h * float(scale[1]) + 0.5)


def rescale_size(old_size: tuple, scale, return_scale: bool = False):
    """Size ``(w, h)`` after scaling by a factor, or to fit in ``(long_edge, short_edge)``."""
    w, h = old_size
    if isinstance(scale, (float, int)):
        if scale <= 0:
            raise ValueError(f'Invalid scale {scale}, must be positive.')
        scale_factor = scale
    elif isinstance(scale, tuple):
        max_long_edge, max_short_edge = max(scale), min(scale)
        scale_factor = min(max_long_edge / max(h, w), max_short_edge / min(h, w))
    else:
        raise TypeError(f'Scale must be a number or tuple of int, but got {type(scale)}')
    new_size = _scale_size((w, h), scale_factor)
    return (new_size, scale_factor) if return_scale else new_size


def _resize_array(img: np.ndarray, w: int, h: int, mode: str) -> np.ndarray:
    squeeze = img.ndim == 2
    arr = np.ascontiguousarray(img[..., None] if squeeze else img)
    tensor = torch.from_numpy(arr).permute(2, 0, 1)[None]  # a channels-last view: no copy
    if tensor.dtype == torch.uint8 and mode == 'bilinear':
        from torchvision.transforms.v2.functional import resize

        # torchvision's native uint8 kernel: same values as interpolate, about twice as fast
        out = resize(tensor, [h, w], antialias=False)
    else:
        work = tensor if tensor.dtype in (torch.float32, torch.float64) or (
            tensor.dtype == torch.uint8 and mode == 'nearest') else tensor.float()
        kwargs = {'align_corners': False} if mode in ('bilinear', 'bicubic') else {}
        out = F.interpolate(work, size=(h, w), mode=mode, **kwargs)
    if out.dtype != tensor.dtype:
        if tensor.dtype == torch.uint8:
            out = out.round_().clamp_(0, 255)
        out = out.to(tensor.dtype)
    result = out[0].permute(1, 2, 0).numpy()
    if not result.flags.c_contiguous:
        result = np.ascontiguousarray(result)
    return result[..., 0] if squeeze else result


def imresize(img: np.ndarray, size: tuple, return_scale: bool = False,
             interpolation: str = 'bilinear', out=None, backend: str | None = None):
    """Resize to ``size = (w, h)``; with ``return_scale`` also return ``(w_scale, h_scale)``."""
    if interpolation not in _MODES:
        raise ValueError(f'interpolation must be one of {sorted(_MODES)}, got {interpolation!r}')
    h, w = img.shape[:2]
    resized = _resize_array(img, int(size[0]), int(size[1]), _MODES[interpolation])
    if not return_scale:
        return resized
    return resized, size[0] / w, size[1] / h


def imrescale(img: np.ndarray, scale, return_scale: bool = False, interpolation: str = 'bilinear',
              backend: str | None = None):
    """Resize keeping the aspect ratio (``scale`` a factor or ``(long, short)`` bounds)."""
    h, w = img.shape[:2]
    new_size, scale_factor = rescale_size((w, h), scale, return_scale=True)
    rescaled = imresize(img, new_size, interpolation=interpolation, backend=backend)
    return (rescaled, scale_factor) if return_scale else rescaled


_FLIP_AXES = {'horizontal': (1, ), 'vertical': (0, ), 'diagonal': (0, 1)}


def imflip(img: np.ndarray, direction: str = 'horizontal') -> np.ndarray:
    """Flip 'horizontal', 'vertical' or 'diagonal' (both); returns a new contiguous array."""
    if direction not in _FLIP_AXES:
        raise ValueError(f'direction must be horizontal, vertical or diagonal, got {direction!r}')
    axes = _FLIP_AXES[direction]
    try:  # torch's flip kernel is several times faster than NumPy's strided copy for HxWx3
        return torch.from_numpy(img).flip(axes).numpy()
    except (TypeError, ValueError, RuntimeError):  # negative strides or a dtype torch lacks
        return np.ascontiguousarray(np.flip(img, axes))


def impad(img: np.ndarray, *, shape: tuple | None = None, padding=None, pad_val=0,
          padding_mode: str = 'constant') -> np.ndarray:
    """Pad to ``shape = (h, w)`` (bottom/right) or by ``padding = (left, top, right, bottom)``."""
    if (shape is None) == (padding is None):
        raise ValueError('exactly one of shape and padding must be given')
    if shape is not None:
        width, height = max(shape[1] - img.shape[1], 0), max(shape[0] - img.shape[0], 0)
        padding = (0, 0, width, height)
    if isinstance(padding, (int, float)):
        padding = (padding, ) * 4
    elif len(padding) == 2:
        padding = (padding[0], padding[1], padding[0], padding[1])
    left, top, right, bottom = padding
    if padding_mode != 'constant':
        np_mode = {'edge': 'edge', 'reflect': 'reflect', 'symmetric': 'symmetric'}[padding_mode]
        widths = [(top, bottom), (left, right)] + [(0, 0)] * (img.ndim - 2)
        return np.pad(img, widths, mode=np_mode)
    height, width = img.shape[:2]
    out = _empty_in_layout_of(img, (height + top + bottom, width + left + right) + img.shape[2:])
    fill = pad_val if not isinstance(pad_val, Sequence) else np.asarray(pad_val, img.dtype)
    out[:top], out[top + height:] = fill, fill  # borders only: the inside is written once
    out[top:top + height, :left], out[top:top + height, left + width:] = fill, fill
    out[top:top + height, left:left + width] = img
    return out


def _empty_in_layout_of(img: np.ndarray, shape: tuple) -> np.ndarray:
    """An empty array of ``shape``, stored channel-first when ``img`` is (see ``imnormalize``)."""
    if img.ndim == 3 and not img.flags.c_contiguous and img.transpose(2, 0, 1).flags.c_contiguous:
        return np.empty((shape[2], ) + shape[:2], img.dtype).transpose(1, 2, 0)
    return np.empty(shape, img.dtype)


def impad_to_multiple(img: np.ndarray, divisor: int, pad_val=0) -> np.ndarray:
    """Pad bottom/right so both sides are multiples of ``divisor``."""
    pad_h = int(np.ceil(img.shape[0] / divisor)) * divisor
    pad_w = int(np.ceil(img.shape[1] / divisor)) * divisor
    return impad(img, shape=(pad_h, pad_w), pad_val=pad_val)


def bbox_clip(bboxes: np.ndarray, img_shape: tuple) -> np.ndarray:
    """Clip ``(..., 4k)`` boxes to ``[0, w - 1] x [0, h - 1]`` of ``img_shape = (h, w, ...)``."""
    if bboxes.shape[-1] % 4:
        raise ValueError(f'bbox_clip expects boxes of 4 coordinates in the last axis, got shape {bboxes.shape}')
    upper = np.empty(bboxes.shape[-1], dtype=bboxes.dtype)
    upper[0::2], upper[1::2] = img_shape[1] - 1, img_shape[0] - 1
    return np.maximum(np.minimum(bboxes, upper), 0)


def bbox_scaling(bboxes: np.ndarray, scale: float, clip_shape: tuple | None = None) -> np.ndarray:
    """Grow (or shrink) ``(x1, y1, x2, y2)`` boxes about their centres by ``scale``, with mmcv's
    inclusive ``+ 1`` widths; clipped to ``clip_shape`` when given."""
    if float(scale) == 1.0:
        scaled = bboxes.copy()
    else:
        half_dw = (bboxes[..., 2] - bboxes[..., 0] + 1) * (scale - 1) * 0.5
        half_dh = (bboxes[..., 3] - bboxes[..., 1] + 1) * (scale - 1) * 0.5
        scaled = bboxes + np.stack((-half_dw, -half_dh, half_dw, half_dh), axis=-1)
    return scaled if clip_shape is None else bbox_clip(scaled, clip_shape)


def imcrop(img: np.ndarray, bboxes: np.ndarray, scale: float = 1.0, pad_fill=None):
    """Crop ``(x1, y1, x2, y2)`` boxes (inclusive integer coordinates, as mmcv: fractions are cut off)
    after scaling them by ``scale``; with ``pad_fill`` a box reaching outside the image gives a patch of
    its full size, the outside filled with ``pad_fill`` (one value or one per channel)."""
    channels = 1 if img.ndim == 2 else img.shape[2]
    if pad_fill is not None:
        pad_fill = [pad_fill] * channels if isinstance(pad_fill, (int, float)) else list(pad_fill)
        if len(pad_fill) != channels:
            raise ValueError(f'imcrop pad_fill has {len(pad_fill)} values for an image with {channels} channels')
    boxes = bbox_scaling(bboxes[None] if bboxes.ndim == 1 else bboxes, scale).astype(np.int32)
    clipped = bbox_clip(boxes, img.shape)
    patches = []
    for (x1, y1, x2, y2), (full_x1, full_y1, full_x2, full_y2) in zip(clipped, boxes):
        if pad_fill is None:
            patches.append(img[y1:y2 + 1, x1:x2 + 1].copy())
            continue
        patch = np.empty((full_y2 - full_y1 + 1, full_x2 - full_x1 + 1) + img.shape[2:], img.dtype)
        patch[...] = np.asarray(pad_fill, img.dtype).reshape(-1)[:channels] if img.ndim == 3 else pad_fill[0]
        top, left = max(-full_y1, 0), max(-full_x1, 0)
        patch[top:top + y2 - y1 + 1, left:left + x2 - x1 + 1] = img[y1:y2 + 1, x1:x2 + 1]
        patches.append(patch)
    return patches[0] if bboxes.ndim == 1 else patches


def cutout(img: np.ndarray, shape, pad_val=0) -> np.ndarray:
    """A copy of ``img`` with one ``shape = (h, w)`` (or ``s`` for a square) patch filled with ``pad_val``,
    placed at random with NumPy's global generator (as mmcv: centre y, then centre x)."""
    channels = 1 if img.ndim == 2 else img.shape[-1]
    cut_h, cut_w = (shape, shape) if isinstance(shape, int) else shape
    if isinstance(pad_val, (int, float)):
        pad_val = (pad_val, ) * channels
    elif not isinstance(pad_val, tuple) or len(pad_val) != channels:
        raise TypeError(f'cutout pad_val must be a number or a tuple of {channels} values, got {pad_val!r}')
    h, w = img.shape[:2]
    center_y, center_x = np.random.uniform(h), np.random.uniform(w)
    y1, x1 = int(max(0, center_y - cut_h / 2.)), int(max(0, center_x - cut_w / 2.))
    out = img.copy()
    out[y1:min(h, y1 + cut_h), x1:min(w, x1 + cut_w)] = np.asarray(pad_val, img.dtype) if img.ndim == 3 else pad_val[0]
    return out


def imflip_(img: np.ndarray, direction: str = 'horizontal') -> np.ndarray:
    """:func:`imflip` in place: ``img`` itself is flipped and returned."""
    img[...] = imflip(img, direction)
    return img


def imresize_like(img: np.ndarray, dst_img: np.ndarray, return_scale: bool = False,
                  interpolation: str = 'bilinear', backend: str | None = None):
    """:func:`imresize` to ``dst_img``'s height and width."""
    h, w = dst_img.shape[:2]
    return imresize(img, (w, h), return_scale, interpolation, backend=backend)


def imresize_to_multiple(img: np.ndarray, divisor, size=None, scale_factor=None, keep_ratio: bool = False,
                         return_scale: bool = False, interpolation: str = 'bilinear', out=None,
                         backend: str | None = None):
    """Resize to ``size`` (``(w, h)``; with ``keep_ratio`` the largest keep-ratio size inside it) or by
    ``scale_factor``, then round each side up to a multiple of ``divisor`` (one int or ``(w, h)``)."""
    if (size is None) == (scale_factor is None):
        raise ValueError('imresize_to_multiple needs exactly one of size or scale_factor, got '
                         f'size={size!r}, scale_factor={scale_factor!r}')
    h, w = img.shape[:2]
    if size is not None:
        size = (size, size) if isinstance(size, int) else tuple(size)
        if keep_ratio:
            size = rescale_size((w, h), size)
    else:
        size = _scale_size((w, h), scale_factor)
    divisor = (divisor, divisor) if isinstance(divisor, int) else tuple(divisor)
    size = tuple(int(np.ceil(side / div)) * div for side, div in zip(size, divisor))
    resized, w_scale, h_scale = imresize(img, size, return_scale=True, interpolation=interpolation, out=out,
                                         backend=backend)
    return (resized, w_scale, h_scale) if return_scale else resized
