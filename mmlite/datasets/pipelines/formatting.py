"""Formatting steps: arrays to tensors and DataContainers, and ``Collect`` (mmdet names)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from ...parallel import DataContainer as DC
from ...utils import is_str
from ...utils.errors import ReadableKeyError
from ..registry import PIPELINES


def to_tensor(data: Any) -> torch.Tensor:
    """Tensor from a tensor, ndarray, sequence, int or float."""
    if isinstance(data, torch.Tensor):
        return data
    if isinstance(data, np.ndarray):
        return torch.from_numpy(data)
    if isinstance(data, Sequence) and not is_str(data):
        return torch.tensor(data)
    if isinstance(data, int):
        return torch.LongTensor([data])
    if isinstance(data, float):
        return torch.FloatTensor([data])
    raise TypeError(f'type {type(data)} cannot be converted to tensor.')


def _chw(img: np.ndarray) -> np.ndarray:
    if img.ndim < 3:
        img = np.expand_dims(img, -1)
    return np.ascontiguousarray(img.transpose(2, 0, 1))


@PIPELINES.register_module()
class ToTensor:
    """Convert ``keys`` to tensors."""

    def __init__(self, keys: Sequence[str]):
        self.keys = keys

    def __call__(self, results: dict) -> dict:
        for key in self.keys:
            results[key] = to_tensor(results[key])
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(keys={self.keys})'


@PIPELINES.register_module()
class ImageToTensor:
    """Convert ``H x W x C`` images under ``keys`` to ``C x H x W`` tensors."""

    def __init__(self, keys: Sequence[str]):
        self.keys = keys

    def __call__(self, results: dict) -> dict:
        for key in self.keys:
            results[key] = to_tensor(_chw(results[key]))
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(keys={self.keys})'


@PIPELINES.register_module()
class Transpose:
    """Transpose arrays under ``keys`` to ``order``."""

    def __init__(self, keys: Sequence[str], order: Sequence[int]):
        self.keys, self.order = keys, order

    def __call__(self, results: dict) -> dict:
        for key in self.keys:
            results[key] = results[key].transpose(self.order)
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(keys={self.keys}, order={self.order})'


@PIPELINES.register_module()
class ToDataContainer:
    """Wrap fields in DataContainers (``fields``: dicts with ``key`` and DataContainer options)."""

    def __init__(self, fields: Sequence[dict] = (dict(key='img', stack=True), dict(key='gt_bboxes'),
                                                 dict(key='gt_labels'))):
        self.fields = fields

    def __call__(self, results: dict) -> dict:
        for field in self.fields:
            field = dict(field)
            key = field.pop('key')
            results[key] = DC(results[key], **field)
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(fields={self.fields})'


@PIPELINES.register_module()
class DefaultFormatBundle:
    """Turn the usual fields into DataContainers for ``collate``.

    ``img``: float tensor ``C x H x W`` (stacked, padded with ``pad_val['img']``); ``proposals``,
    ``gt_bboxes``, ``gt_bboxes_ignore``, ``gt_labels``: tensors; ``gt_masks``: kept (cpu_only);
    ``gt_semantic_seg``: ``1 x H x W`` tensor (stacked).
    """

    def __init__(self, img_to_float: bool = True, pad_val: dict = dict(img=0, masks=0, seg=255)):  # noqa: B006
        self.img_to_float = img_to_float
        self.pad_val = pad_val

    def __call__(self, results: dict) -> dict:
        if 'img' in results:
            img = results['img']
            if self.img_to_float and img.dtype == np.uint8:
                img = img.astype(np.float32)
            results = self._add_default_meta_keys(results)
            results['img'] = DC(to_tensor(_chw(img)), padding_value=self.pad_val['img'], stack=True)
        for key in ('proposals', 'gt_bboxes', 'gt_bboxes_ignore', 'gt_labels'):
            if key in results:
                results[key] = DC(to_tensor(results[key]))
        if 'gt_masks' in results:
            results['gt_masks'] = DC(results['gt_masks'], padding_value=self.pad_val['masks'], cpu_only=True)
        if 'gt_semantic_seg' in results:
            results['gt_semantic_seg'] = DC(to_tensor(results['gt_semantic_seg'][None, ...]),
                                            padding_value=self.pad_val['seg'], stack=True)
        return results

    @staticmethod
    def _add_default_meta_keys(results: dict) -> dict:
        img = results['img']
        results.setdefault('pad_shape', img.shape)
        results.setdefault('scale_factor', 1.0)
        channels = 1 if img.ndim < 3 else img.shape[2]
        results.setdefault('img_norm_cfg', dict(mean=np.zeros(channels, dtype=np.float32),
                                                std=np.ones(channels, dtype=np.float32), to_rgb=False))
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(img_to_float={self.img_to_float})'


DEFAULT_META_KEYS = ('filename', 'ori_filename', 'ori_shape', 'img_shape', 'pad_shape', 'scale_factor',
                     'flip', 'flip_direction', 'img_norm_cfg')


@PIPELINES.register_module()
class Collect:
    """Keep ``keys`` and gather ``meta_keys`` into a cpu_only ``img_metas`` DataContainer."""

    def __init__(self, keys: Sequence[str], meta_keys: Sequence[str] = DEFAULT_META_KEYS):
        self.keys, self.meta_keys = keys, meta_keys

    def __call__(self, results: dict) -> dict:
        missing = [k for k in list(self.keys) + list(self.meta_keys) if k not in results]
        if missing:
            raise ReadableKeyError(f'Collect: the pipeline produced no {missing}; available keys are '
                                   f'{sorted(results)}. Add the step that creates them or remove them from '
                                   'keys/meta_keys.')
        data = {'img_metas': DC({key: results[key] for key in self.meta_keys}, cpu_only=True)}
        for key in self.keys:
            data[key] = results[key]
        return data

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(keys={self.keys}, meta_keys={self.meta_keys})'


@PIPELINES.register_module()
class WrapFieldsToLists:
    """Put every value of ``results`` in a one-element list: the batch-of-one layout that test-time
    code expects, for pipelines without ``MultiScaleFlipAug`` (which does this itself)."""

    def __call__(self, results: dict) -> dict:
        for key, value in results.items():
            results[key] = [value]
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}()'
