"""``MaskScoringRoIHead``: Mask R-CNN's RoI head plus a ``MaskIoUHead`` that scores each mask."""
from __future__ import annotations

import torch

from ...core.bbox import bbox2roi
from ..builder import HEADS, build_head
from .standard_roi_head import StandardRoIHead


@HEADS.register_module()
class MaskScoringRoIHead(StandardRoIHead):
    """Trains ``mask_iou_head`` on the positives' mask predictions (``loss_mask_iou``) and, at test time,
    returns per image ``(segm_result, mask_scores)`` with each mask's score = predicted IoU x box score.
    ``train_cfg.rcnn.mask_thr_binary`` binarises the predictions for the IoU targets."""

    extra_train_cfg_keys = frozenset({'mask_thr_binary'})

    def __init__(self, mask_iou_head: dict, **kwargs):
        if mask_iou_head is None:
            raise ValueError('MaskScoringRoIHead needs a mask_iou_head config')
        super().__init__(**kwargs)
        if self.train_cfg is not None and 'mask_thr_binary' not in self.train_cfg:
            raise KeyError('model.train_cfg.rcnn.mask_thr_binary is needed by MaskScoringRoIHead (mmdet\'s '
                           'ms_rcnn configs set 0.5)')
        self.mask_iou_head = build_head(mask_iou_head)

    def _mask_forward_train(self, x, sampling_results, bbox_feats, gt_masks, img_metas) -> dict:
        mask_results = super()._mask_forward_train(x, sampling_results, bbox_feats, gt_masks, img_metas)
        labels = torch.cat([res.pos_gt_labels for res in sampling_results])
        rows = torch.arange(labels.shape[0], device=labels.device)
        pos_mask_pred = mask_results['mask_pred'][rows, labels]
        mask_iou_pred = self.mask_iou_head(mask_results['mask_feats'], pos_mask_pred)[rows, labels]
        targets = self.mask_iou_head.get_targets(sampling_results, gt_masks, pos_mask_pred,
                                                 mask_results['mask_targets'], self.train_cfg)
        mask_results['loss_mask'].update(self.mask_iou_head.loss(mask_iou_pred, targets))
        return mask_results

    def simple_test_mask(self, x, img_metas, det_bboxes, det_labels, rescale: bool = False) -> list:
        """Per image ``(per-class masks, per-class mask scores)``."""
        num_classes = self.mask_head.num_classes
        if all(det.shape[0] == 0 for det in det_bboxes):
            return [([[] for _ in range(num_classes)], [[] for _ in range(num_classes)]) for _ in det_bboxes]
        bboxes, scale_factors = self._test_mask_boxes(det_bboxes, img_metas, rescale)
        mask_results = self._mask_forward(x, bbox2roi(bboxes))
        labels = torch.cat(det_labels)
        mask_pred = mask_results['mask_pred']
        mask_iou = self.mask_iou_head(mask_results['mask_feats'],
                                      mask_pred[torch.arange(labels.shape[0], device=labels.device), labels])
        num_per_img = [len(det) for det in det_bboxes]
        segm_results = self._paste_test_masks(mask_pred.split(num_per_img, 0), bboxes, det_labels, img_metas,
                                              scale_factors, rescale)
        mask_scores = [self.mask_iou_head.get_mask_scores(iou, det, lab) if len(det) else [[]] * num_classes
                       for iou, det, lab in zip(mask_iou.split(num_per_img, 0), det_bboxes, det_labels)]
        return list(zip(segm_results, mask_scores))
