"""``BaseDetector``: mmdet 2.x's forward/train_step contract shared by every detector."""
from __future__ import annotations

from collections import OrderedDict

import numpy as np
import torch
import torch.distributed as dist

from ...image import imread, imshow_det_bboxes
from ...runner import BaseModule, auto_fp16


class BaseDetector(BaseModule):
    """Detectors take ``img`` (N, C, H, W) and ``img_metas`` and return losses or results.

    ``forward(img, img_metas, return_loss=True, **kwargs)`` dispatches to ``forward_train`` (a
    dict of losses) or ``forward_test`` (per-image results; lists of augmentations).
    """

    def __init__(self, init_cfg=None):
        super().__init__(init_cfg)
        self.fp16_enabled = False

    @property
    def with_neck(self) -> bool:
        return getattr(self, 'neck', None) is not None

    @property
    def with_shared_head(self) -> bool:
        return hasattr(self, 'roi_head') and self.roi_head.with_shared_head

    @property
    def with_bbox(self) -> bool:
        return ((hasattr(self, 'roi_head') and self.roi_head.with_bbox)
                or getattr(self, 'bbox_head', None) is not None)

    @property
    def with_mask(self) -> bool:
        return ((hasattr(self, 'roi_head') and self.roi_head.with_mask)
                or getattr(self, 'mask_head', None) is not None)

    def extract_feat(self, imgs):
        raise NotImplementedError

    def extract_feats(self, imgs: list) -> list:
        """Features of each augmentation of a test batch."""
        if not isinstance(imgs, list):
            raise TypeError(f'extract_feats expects a list of augmented batches, got {type(imgs).__name__}')
        return [self.extract_feat(img) for img in imgs]

    def forward_train(self, imgs, img_metas, **kwargs):
        """Record the padded batch shape in every ``img_meta`` (subclasses compute the losses)."""
        batch_input_shape = tuple(imgs[0].size()[-2:])
        for img_meta in img_metas:
            img_meta['batch_input_shape'] = batch_input_shape

    def simple_test(self, img, img_metas, **kwargs):
        raise NotImplementedError

    def aug_test(self, imgs, img_metas, **kwargs):
        raise NotImplementedError

    def forward_test(self, imgs: list, img_metas: list, **kwargs):
        """``imgs``/``img_metas``: one entry per test-time augmentation."""
        for var, name in ((imgs, 'imgs'), (img_metas, 'img_metas')):
            if not isinstance(var, list):
                raise TypeError(f'{name} must be a list, but got {type(var)}')
        if len(imgs) != len(img_metas):
            raise ValueError(f'num of augmentations ({len(imgs)}) != num of image meta ({len(img_metas)})')
        for img, img_meta in zip(imgs, img_metas):
            for meta in img_meta:
                meta['batch_input_shape'] = tuple(img.size()[-2:])
        if len(imgs) == 1:
            if 'proposals' in kwargs:
                kwargs['proposals'] = kwargs['proposals'][0]
            return self.simple_test(imgs[0], img_metas[0], **kwargs)
        if imgs[0].size(0) != 1:
            raise ValueError(f'aug test does not support inference with batch size {imgs[0].size(0)}')
        if 'proposals' in kwargs:
            raise ValueError('aug test does not take precomputed proposals')
        return self.aug_test(imgs, img_metas, **kwargs)

    @auto_fp16(apply_to=('img', ))
    def forward(self, img, img_metas, return_loss: bool = True, **kwargs):
        """Losses (``return_loss=True``, single batch) or results (lists of augmentations)."""
        if return_loss:
            return self.forward_train(img, img_metas, **kwargs)
        return self.forward_test(img, img_metas, **kwargs)

    def _parse_losses(self, losses: dict) -> tuple[torch.Tensor, OrderedDict]:
        """Total loss (sum of entries whose name contains ``loss``) and float log values.

        All log values reach the host in one transfer; when distributed, one all_reduce averages
        them and checks that every rank logged the same number of terms.
        """
        log_vars = OrderedDict()
        for name, value in losses.items():
            if isinstance(value, torch.Tensor):
                log_vars[name] = value.mean()
            elif isinstance(value, (list, tuple)) and all(isinstance(v, torch.Tensor) for v in value):
                log_vars[name] = sum(v.mean() for v in value)
            else:
                raise TypeError(f'{name} is not a tensor or list of tensors (got {type(value).__name__})')
        loss = sum(value for name, value in log_vars.items() if 'loss' in name)
        if not isinstance(loss, torch.Tensor):
            raise ValueError(f'no loss term among {list(log_vars)} (a loss name must contain "loss")')
        log_vars['loss'] = loss
        values = torch.stack([v.detach().float().reshape(()) for v in log_vars.values()])
        if dist.is_available() and dist.is_initialized():
            host_values = _all_reduce_log_values(values)
        else:
            host_values = values.tolist()
        for name, value in zip(log_vars, host_values):
            log_vars[name] = value
        return loss, log_vars

    def train_step(self, data: dict, optimizer) -> dict:
        """One training forward: ``dict(loss, log_vars, num_samples)``; the optimizer hook steps."""
        loss, log_vars = self._parse_losses(self(**data))
        return dict(loss=loss, log_vars=log_vars, num_samples=len(data['img_metas']))

    def val_step(self, data: dict, optimizer=None) -> dict:
        """Same as ``train_step`` (losses on a validation batch)."""
        loss, log_vars = self._parse_losses(self(**data))
        return dict(loss=loss, log_vars=log_vars, num_samples=len(data['img_metas']))

    def show_result(self, img, result, score_thr: float = 0.3, bbox_color=(72, 101, 241),
                    text_color=(72, 101, 241), mask_color=None, thickness: int = 2, font_size: int = 13,
                    win_name: str = '', show: bool = False, wait_time: int = 0, out_file: str | None = None):
        """Draw one image's detections (boxes, and masks when present); returns the drawn image."""
        img = imread(img).copy() if isinstance(img, str) else np.asarray(img).copy()
        bbox_result, segm_result = result if isinstance(result, tuple) else (result, None)
        if isinstance(segm_result, tuple):
            segm_result = segm_result[0]
        bboxes = np.vstack(bbox_result) if len(bbox_result) else np.zeros((0, 5), np.float32)
        labels = np.concatenate([np.full(len(b), i, dtype=np.int32) for i, b in enumerate(bbox_result)]
                                ) if len(bbox_result) else np.zeros(0, np.int32)
        segms = None
        if segm_result is not None and len(labels) > 0:
            segms = np.stack([np.asarray(m) for cls_masks in segm_result for m in cls_masks])
        return imshow_det_bboxes(img, bboxes, labels, segms, class_names=getattr(self, 'CLASSES', None),
                                 score_thr=score_thr, bbox_color=bbox_color, text_color=text_color,
                                 mask_color=mask_color, thickness=thickness, font_size=font_size,
                                 win_name=win_name, show=show, wait_time=wait_time, out_file=out_file)


_LOG_SLOTS = 255  # fixed all_reduce size, so ranks that log different terms cannot hang the collective


def _all_reduce_log_values(values: torch.Tensor) -> list:
    """Average ``values`` over ranks with one all_reduce and one host transfer.

    The buffer has a fixed size with the term count in its last slot, so a rank that logs other
    terms is reported instead of deadlocking the collective.
    """
    count, world_size = values.numel(), dist.get_world_size()
    if count > _LOG_SLOTS:
        raise ValueError(f'{count} logged loss terms; at most {_LOG_SLOTS} are supported when distributed')
    packed = values.new_zeros(_LOG_SLOTS + 1)
    packed[:count] = values
    packed[-1] = count
    dist.all_reduce(packed)
    host = packed.tolist()
    if round(host[-1]) != count * world_size:
        raise RuntimeError(f'loss terms differ across ranks: this rank logged {count} terms, all ranks together '
                           f'{round(host[-1])} (expected {count * world_size}); every rank must return the same '
                           'loss keys')
    return [v / world_size for v in host[:count]]
