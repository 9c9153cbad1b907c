"""``BaseMaskHead``: the mask head of a single-stage instance segmentor (SOLO, SOLOv2)."""
from __future__ import annotations

from ...runner import BaseModule
from .base_dense_head import zero_deform_offsets


class BaseMaskHead(BaseModule):
    """A head that predicts instance masks from FPN features.

    Subclasses provide ``forward(feats)`` (a tuple), ``loss(*outs, gt_labels, gt_masks, img_metas, gt_bboxes,
    **kwargs)`` and ``get_results(*outs, img_metas, rescale, **kwargs)`` (one :class:`InstanceData` per image).
    """

    def init_weights(self) -> None:
        """``init_cfg`` as usual; deformable conv packs keep their zero offsets, as mmcv's own init leaves them."""
        super().init_weights()
        zero_deform_offsets(self)

    def loss(self, *args, **kwargs) -> dict:
        raise NotImplementedError(f'{type(self).__name__} must implement loss()')

    def get_results(self, *args, **kwargs) -> list:
        raise NotImplementedError(f'{type(self).__name__} must implement get_results()')

    def forward_train(self, x, gt_labels, gt_masks, img_metas, gt_bboxes=None, gt_bboxes_ignore=None,
                      positive_infos=None, **kwargs) -> dict:
        """The losses of ``forward(x)`` (``forward(x, positive_infos)`` when a box head assigned the samples)."""
        outs = self(x) if positive_infos is None else self(x, positive_infos)
        if not isinstance(outs, tuple):
            raise TypeError(f'{type(self).__name__}.forward must return a tuple, got {type(outs).__name__}')
        return self.loss(*outs, gt_labels=gt_labels, gt_masks=gt_masks, img_metas=img_metas, gt_bboxes=gt_bboxes,
                         gt_bboxes_ignore=gt_bboxes_ignore, positive_infos=positive_infos, **kwargs)

    def simple_test(self, feats, img_metas, rescale: bool = False, instances_list=None, **kwargs) -> list:
        """One :class:`InstanceData` per image (``scores``, ``labels``, ``masks``)."""
        outs = self(feats) if instances_list is None else self(feats, instances_list=instances_list)
        return self.get_results(*outs, img_metas, rescale=rescale, instances_list=instances_list, **kwargs)

    def onnx_export(self, img, img_metas):
        raise NotImplementedError(f'{type(self).__name__} does not support ONNX export')
