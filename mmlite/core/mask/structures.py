"""Instance mask containers with the operations the transforms and mask heads need
(mmdet 2.x ``BitmapMasks``/``PolygonMasks``)."""
from __future__ import annotations

from abc import ABCMeta, abstractmethod

import numpy as np
import pycocotools.mask as mask_utils
import torch

from ...image import impad, imrescale, imresize, imrotate, imshear, imtranslate, rescale_size
from ...image.warp import axis_matrix, rotation_matrix


class BaseInstanceMasks(metaclass=ABCMeta):
    """Common interface of instance mask containers."""

    height: int
    width: int

    @abstractmethod
    def rescale(self, scale, interpolation='nearest'):
        pass

    @abstractmethod
    def resize(self, out_shape, interpolation='nearest'):
        pass

    @abstractmethod
    def flip(self, flip_direction='horizontal'):
        pass

    @abstractmethod
    def pad(self, out_shape, pad_val=0):
        pass

    @abstractmethod
    def crop(self, bbox):
        pass

    @abstractmethod
    def crop_and_resize(self, bboxes, out_shape, inds, device='cpu', interpolation='bilinear',
                        binarize=True):
        pass

    @abstractmethod
    def expand(self, expanded_h, expanded_w, top, left):
        pass

    @abstractmethod
    def rotate(self, out_shape, angle, center=None, scale=1.0, fill_val=0):
        pass

    @abstractmethod
    def shear(self, out_shape, magnitude, direction='horizontal', border_value=0, interpolation='bilinear'):
        pass

    @abstractmethod
    def translate(self, out_shape, offset, direction='horizontal', fill_val=0, interpolation='bilinear'):
        pass

    @property
    @abstractmethod
    def areas(self):
        pass

    @abstractmethod
    def to_ndarray(self):
        pass

    def to_tensor(self, dtype, device):
        return torch.tensor(self.to_ndarray(), dtype=dtype, device=device)

    def get_bboxes(self) -> np.ndarray:
        """Tight ``(x1, y1, x2, y2)`` boxes of the masks (zeros for empty masks)."""
        masks = self.to_ndarray()
        boxes = np.zeros((len(masks), 4), dtype=np.float32)
        for i, mask in enumerate(masks):
            ys, xs = np.nonzero(mask)
            if len(xs):
                boxes[i] = [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]
        return boxes


class BitmapMasks(BaseInstanceMasks):
    """Masks as an ``(N, H, W)`` uint8 array.

    Args:
        masks: An ``(N, H, W)`` array or a list of ``(H, W)`` arrays.
        height: Image height.
        width: Image width.
    """

    def __init__(self, masks, height: int, width: int):
        self.height, self.width = height, width
        if len(masks) == 0:
            self.masks = np.empty((0, height, width), dtype=np.uint8)
        else:
            self.masks = np.stack(masks).reshape(-1, height, width) if isinstance(masks, list) \
                else np.asarray(masks).reshape(-1, height, width)

    def __getitem__(self, index) -> BitmapMasks:
        return BitmapMasks(self.masks[index].reshape(-1, self.height, self.width), self.height, self.width)

    def __iter__(self):
        return iter(self.masks)

    def __len__(self) -> int:
        return len(self.masks)

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(num_masks={len(self)}, height={self.height}, width={self.width})'

    def _new(self, masks, height, width) -> BitmapMasks:
        return BitmapMasks(masks, height, width)

    def rescale(self, scale, interpolation='nearest') -> BitmapMasks:
        if len(self.masks) == 0:
            new_w, new_h = rescale_size((self.width, self.height), scale)
            return self._new(np.empty((0, new_h, new_w), dtype=np.uint8), new_h, new_w)
        rescaled = np.stack([imrescale(m, scale, interpolation=interpolation) for m in self.masks])
        return self._new(rescaled, *rescaled.shape[1:])

    def resize(self, out_shape, interpolation='nearest') -> BitmapMasks:
        if len(self.masks) == 0:
            return self._new(np.empty((0, *out_shape), dtype=np.uint8), *out_shape)
        resized = np.stack([imresize(m, out_shape[::-1], interpolation=interpolation) for m in self.masks])
        return self._new(resized, *out_shape)

    def flip(self, flip_direction='horizontal') -> BitmapMasks:
        if flip_direction not in ('horizontal', 'vertical', 'diagonal'):
            raise ValueError(f'unknown flip direction {flip_direction!r}')
        if len(self.masks) == 0:
            return self._new(self.masks, self.height, self.width)
        axes = {'horizontal': (2, ), 'vertical': (1, ), 'diagonal': (1, 2)}[flip_direction]
        return self._new(np.ascontiguousarray(np.flip(self.masks, axis=axes)), self.height, self.width)

    def pad(self, out_shape, pad_val=0) -> BitmapMasks:
        if len(self.masks) == 0:
            return self._new(np.empty((0, *out_shape), dtype=np.uint8), *out_shape)
        padded = np.stack([impad(m, shape=out_shape, pad_val=pad_val) for m in self.masks])
        return self._new(padded, *out_shape)

    def crop(self, bbox) -> BitmapMasks:
        x1, y1, x2, y2 = np.asarray(bbox).astype(np.int64)
        x1, x2 = np.clip([x1, x2], 0, self.width)
        y1, y2 = np.clip([y1, y2], 0, self.height)
        w, h = max(x2 - x1, 1), max(y2 - y1, 1)
        if len(self.masks) == 0:
            return self._new(np.empty((0, h, w), dtype=np.uint8), h, w)
        return self._new(self.masks[:, y1:y1 + h, x1:x1 + w], h, w)

    def crop_and_resize(self, bboxes, out_shape, inds, device='cpu', interpolation='bilinear',
                        binarize=True) -> BitmapMasks:
        """Crop each box out of mask ``inds[i]`` and resize it to ``out_shape`` (RoIAlign)."""
        from torchvision.ops import roi_align
        out_shape = tuple(out_shape)
        if len(self.masks) == 0 or len(bboxes) == 0:
            return self._new(np.empty((0, *out_shape), dtype=np.uint8), *out_shape)
        boxes = torch.as_tensor(np.asarray(bboxes), dtype=torch.float32, device=device)
        index = torch.as_tensor(np.asarray(inds), dtype=torch.long, device=device)
        rois = torch.cat([torch.arange(len(boxes), device=device, dtype=boxes.dtype)[:, None], boxes], 1)
        masks = torch.from_numpy(self.masks).to(device).index_select(0, index).to(boxes.dtype)
        targets = roi_align(masks[:, None], rois, out_shape, 1.0, 0, True).squeeze(1)
        resized = (targets >= 0.5).cpu().numpy().astype(np.uint8) if binarize else targets.cpu().numpy()
        return self._new(resized, *out_shape)

    def _warp_planes(self, out_shape, warp) -> BitmapMasks:
        """The masks warped as one ``H x W x N`` image by ``warp``."""
        if len(self.masks) == 0:
            return self._new(np.empty((0, *out_shape), dtype=self.masks.dtype), *out_shape)
        warped = warp(self.masks.transpose(1, 2, 0))
        return self._new(np.ascontiguousarray(warped.transpose(2, 0, 1)).astype(self.masks.dtype), *out_shape)

    def rotate(self, out_shape, angle, center=None, scale=1.0, fill_val=0) -> BitmapMasks:
        """Rotate by ``angle`` degrees clockwise (as ``imrotate``); outside pixels get ``fill_val``."""
        return self._warp_planes(out_shape, lambda planes: imrotate(planes, angle, center, scale, fill_val))

    def shear(self, out_shape, magnitude, direction='horizontal', border_value=0,
              interpolation='bilinear') -> BitmapMasks:
        return self._warp_planes(out_shape, lambda planes: imshear(planes, magnitude, direction, border_value,
                                                                   interpolation))

    def translate(self, out_shape, offset, direction='horizontal', fill_val=0,
                  interpolation='bilinear') -> BitmapMasks:
        return self._warp_planes(out_shape, lambda planes: imtranslate(planes, offset, direction, fill_val,
                                                                       interpolation))

    def expand(self, expanded_h, expanded_w, top, left) -> BitmapMasks:
        expanded = np.zeros((len(self), expanded_h, expanded_w), dtype=np.uint8)
        expanded[:, top:top + self.height, left:left + self.width] = self.masks
        return self._new(expanded, expanded_h, expanded_w)

    @property
    def areas(self) -> np.ndarray:
        return self.masks.sum((1, 2))

    def to_ndarray(self) -> np.ndarray:
        return self.masks


def _polygon_area(poly: np.ndarray) -> float:
    x, y = poly[0::2], poly[1::2]
    return 0.5 * abs(float(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1))))


def polygon_to_bitmap(polygons: list, height: int, width: int) -> np.ndarray:
    """Rasterise one object's polygon parts to an ``(H, W)`` uint8 mask."""
    if not polygons:
        return np.zeros((height, width), dtype=np.uint8)
    rles = mask_utils.frPyObjects([np.asarray(p, dtype=np.float64).tolist() for p in polygons], height, width)
    return mask_utils.decode(mask_utils.merge(rles)).astype(np.uint8)


class PolygonMasks(BaseInstanceMasks):
    """Masks as polygons: per object a list of ``[x0, y0, x1, y1, ...]`` arrays.

    Args:
        masks: List (objects) of lists (parts) of flat coordinate arrays.
        height: Image height.
        width: Image width.
    """

    def __init__(self, masks: list, height: int, width: int):
        if not isinstance(masks, list) or (masks and not isinstance(masks[0], list)):
            raise TypeError('PolygonMasks expects a list (objects) of lists (polygon parts)')
        self.height, self.width = height, width
        self.masks = [[np.asarray(p, dtype=np.float64) for p in obj] for obj in masks]

    def __getitem__(self, index) -> PolygonMasks:
        if isinstance(index, np.ndarray):
            index = index.tolist() if index.dtype != bool else np.flatnonzero(index).tolist()
        if isinstance(index, list):
            masks = [self.masks[i] for i in index]
        else:
            masks = self.masks[index]
            masks = [masks] if masks and isinstance(masks[0], np.ndarray) else masks
        return PolygonMasks(masks, self.height, self.width)

    def __iter__(self):
        return iter(self.masks)

    def __len__(self) -> int:
        return len(self.masks)

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(num_masks={len(self)}, height={self.height}, width={self.width})'

    def _map(self, fn, height: int, width: int) -> PolygonMasks:
        return PolygonMasks([[fn(p.copy()) for p in obj] for obj in self.masks], height, width)

    def rescale(self, scale, interpolation=None) -> PolygonMasks:
        new_w, new_h = rescale_size((self.width, self.height), scale)
        return self.resize((new_h, new_w))

    def resize(self, out_shape, interpolation=None) -> PolygonMasks:
        h_scale, w_scale = out_shape[0] / self.height, out_shape[1] / self.width

        def scale(p):
            p[0::2] *= w_scale
            p[1::2] *= h_scale
            return p

        return self._map(scale, *out_shape)

    def flip(self, flip_direction='horizontal') -> PolygonMasks:
        if flip_direction not in ('horizontal', 'vertical', 'diagonal'):
            raise ValueError(f'unknown flip direction {flip_direction!r}')

        def flip(p):
            if flip_direction in ('horizontal', 'diagonal'):
                p[0::2] = self.width - p[0::2]
            if flip_direction in ('vertical', 'diagonal'):
                p[1::2] = self.height - p[1::2]
            return p

        return self._map(flip, self.height, self.width)

    def pad(self, out_shape, pad_val=0) -> PolygonMasks:
        return PolygonMasks(self.masks, *out_shape)

    def crop(self, bbox) -> PolygonMasks:
        x1, y1, x2, y2 = np.asarray(bbox, dtype=np.float64)
        x1, x2 = np.clip([x1, x2], 0, self.width)
        y1, y2 = np.clip([y1, y2], 0, self.height)
        w, h = max(x2 - x1, 1.), max(y2 - y1, 1.)

        def crop(p):
            p[0::2] = np.clip(p[0::2] - x1, 0, w)
            p[1::2] = np.clip(p[1::2] - y1, 0, h)
            return p

        return self._map(crop, int(h), int(w))

    def crop_and_resize(self, bboxes, out_shape, inds, device='cpu', interpolation='bilinear',
                        binarize=True) -> BitmapMasks:
        """Crop each box out of polygon ``inds[i]``, rescale to ``out_shape`` and rasterise."""
        out_h, out_w = out_shape
        if len(self.masks) == 0 or len(bboxes) == 0:
            return BitmapMasks(np.empty((0, out_h, out_w), dtype=np.uint8), out_h, out_w)
        bitmaps = []
        for bbox, ind in zip(np.asarray(bboxes, dtype=np.float64), np.asarray(inds)):
            x1, y1, x2, y2 = bbox
            w_scale, h_scale = out_w / max(x2 - x1, 0.1), out_h / max(y2 - y1, 0.1)
            parts = []
            for p in self.masks[int(ind)]:
                q = p.copy()
                q[0::2] = (q[0::2] - x1) * w_scale
                q[1::2] = (q[1::2] - y1) * h_scale
                parts.append(q)
            bitmaps.append(polygon_to_bitmap(parts, out_h, out_w))
        return BitmapMasks(np.stack(bitmaps), out_h, out_w)

    def expand(self, expanded_h, expanded_w, top, left) -> PolygonMasks:

        def shift(p):
            p[0::2] += left
            p[1::2] += top
            return p

        return self._map(shift, expanded_h, expanded_w)

    def _map_points(self, out_shape, fn) -> PolygonMasks:
        """Polygons whose ``(n, 2)`` points are mapped by ``fn``, then clipped to ``out_shape``."""
        height, width = out_shape

        def apply(p):
            points = fn(np.stack([p[0::2], p[1::2]], axis=1))
            p[0::2], p[1::2] = np.clip(points[:, 0], 0, width), np.clip(points[:, 1], 0, height)
            return p

        return self._map(apply, height, width)

    def rotate(self, out_shape, angle, center=None, scale=1.0, fill_val=0) -> PolygonMasks:
        """Rotate about ``center`` (required, ``(x, y)``) by ``angle`` degrees clockwise."""
        if center is None and self.masks:
            raise ValueError('PolygonMasks.rotate needs the rotation centre (x, y), as mmdet')
        matrix = rotation_matrix(center, -angle, scale) if self.masks else None
        return self._map_points(out_shape, lambda xy: xy @ matrix[:, :2].T + matrix[:, 2])

    def shear(self, out_shape, magnitude, direction='horizontal', border_value=0,
              interpolation='bilinear') -> PolygonMasks:
        matrix = axis_matrix(magnitude, direction, True, 'PolygonMasks.shear')[:, :2]
        return self._map_points(out_shape, lambda xy: xy @ matrix.T)

    def translate(self, out_shape, offset, direction='horizontal', fill_val=None,
                  interpolation=None) -> PolygonMasks:
        if fill_val not in (None, 0):
            raise ValueError(f'PolygonMasks.translate has no fill value (polygons), got fill_val={fill_val!r}')
        if direction not in ('horizontal', 'vertical'):
            raise ValueError(f"PolygonMasks.translate direction must be 'horizontal' or 'vertical', got {direction!r}")
        height, width = out_shape
        axis = 0 if direction == 'horizontal' else 1

        def move(p):
            p[axis::2] = np.clip(p[axis::2] + offset, 0, (width, height)[axis])
            return p

        return self._map(move, height, width)

    def to_bitmap(self) -> BitmapMasks:
        return BitmapMasks(self.to_ndarray(), self.height, self.width)

    @property
    def areas(self) -> np.ndarray:
        return np.array([sum(_polygon_area(p) for p in obj) for obj in self.masks], dtype=np.float64)

    def to_ndarray(self) -> np.ndarray:
        if not self.masks:
            return np.empty((0, self.height, self.width), dtype=np.uint8)
        return np.stack([polygon_to_bitmap(obj, self.height, self.width) for obj in self.masks])
