"""Reading and writing images as NumPy arrays (mmcv.image names) without OpenCV.

Pillow decodes and encodes (libjpeg-turbo for JPEG, as OpenCV; torchvision's decoders are
deprecated since 0.29). Arrays are ``H x W x 3`` uint8 in BGR order by default, as mmcv returned them.
"""
from __future__ import annotations

import os
import os.path as osp
from io import BytesIO

import numpy as np

_FLAGS = ('color', 'grayscale', 'unchanged', 'color_ignore_orientation', 'grayscale_ignore_orientation')


class ImageDecodeError(ValueError):
    """An image file could not be decoded."""


def _decode_pillow(content: bytes, flag: str) -> np.ndarray:
    from PIL import Image
    with Image.open(BytesIO(content)) as img:
        if flag.startswith('color'):
            img = img.convert('RGB')
        elif flag.startswith('grayscale'):
            img = img.convert('L')
        array = np.array(img)
    return array[..., None] if array.ndim == 2 else array


def imfrombytes(content: bytes, flag: str = 'color', channel_order: str = 'bgr',
                backend: str | None = None) -> np.ndarray:
    """Decode image bytes to ``H x W x C`` (``H x W`` for grayscale) uint8.

    Args:
        content: The encoded image.
        flag: 'color', 'grayscale' or 'unchanged'. Defaults to 'color'.
        channel_order: 'bgr' (mmcv's default) or 'rgb'.
        backend: Accepted for mmcv compatibility ('cv2', 'pillow', 'turbojpeg'...).
    """
    if flag not in _FLAGS:
        raise ValueError(f'flag must be one of {_FLAGS}, got {flag!r}')
    if channel_order not in ('bgr', 'rgb'):
        raise ValueError(f'channel_order must be "bgr" or "rgb", got {channel_order!r}')
    if not content:
        raise ImageDecodeError('empty image data')
    try:
        img = _decode_pillow(content, flag)
    except Exception as exc:  # noqa: BLE001 - every decoder failure means a bad file
        raise ImageDecodeError(f'cannot decode image ({type(exc).__name__}: {exc})') from exc
    if flag.startswith('grayscale') or img.shape[2] == 1:
        return img[..., 0] if img.ndim == 3 else img
    if channel_order == 'bgr' and img.shape[2] >= 3:
        img = np.ascontiguousarray(img[..., 2::-1] if img.shape[2] == 3 else img[..., [2, 1, 0, 3]])
    return img


def imread(img_or_path, flag: str = 'color', channel_order: str = 'bgr',
           backend: str | None = None, file_client_args: dict | None = None) -> np.ndarray:
    """Read an image file (or pass an array through)."""
    if isinstance(img_or_path, np.ndarray):
        return img_or_path
    path = os.fspath(img_or_path)
    if not osp.isfile(path):
        raise FileNotFoundError(f'img file does not exist: {path}')
    with open(path, 'rb') as f:
        content = f.read()
    try:
        return imfrombytes(content, flag, channel_order, backend)
    except ImageDecodeError as exc:
        raise ImageDecodeError(f'{path}: {exc}. The file is corrupt or not an image; remove it from '
                               'the annotations or replace it.') from exc


def imwrite(img: np.ndarray, file_path: str, params=None, auto_mkdir: bool = True,
            channel_order: str = 'bgr') -> bool:
    """Write an ``H x W x 3`` (BGR by default) or ``H x W`` uint8 array to an image file."""
    from PIL import Image
    if auto_mkdir:
        os.makedirs(osp.dirname(osp.abspath(file_path)), exist_ok=True)
    array = img
    if img.ndim == 3 and img.shape[2] == 3 and channel_order == 'bgr':
        array = img[..., ::-1]
    Image.fromarray(np.ascontiguousarray(array).astype(np.uint8)).save(file_path)
    return True
