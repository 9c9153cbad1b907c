"""``DynamicRoIHead``: Dynamic R-CNN's second stage (IoU threshold and smooth-L1 beta follow the training)."""
from __future__ import annotations

import numpy as np
import torch

from ..builder import HEADS
from ..losses import SmoothL1Loss
from .standard_roi_head import StandardRoIHead

EPS = 1e-15


@HEADS.register_module()
class DynamicRoIHead(StandardRoIHead):
    """Dynamic R-CNN (Zhang et al., 2020): every ``train_cfg.dynamic_rcnn.update_iter_interval`` iterations the
    assigner's IoU thresholds become the mean ``iou_topk``-th best proposal IoU (at least ``initial_iou``) and the
    box loss's beta the median ``beta_topk``-th smallest positive regression target (at most ``initial_beta``).

    The statistics stay on the device between updates (mmdet read two values to the host per image and step).
    """

    extra_train_cfg_keys = frozenset({'dynamic_rcnn'})

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(self.bbox_head.loss_bbox, SmoothL1Loss):
            raise TypeError('DynamicRoIHead adapts a SmoothL1Loss beta: bbox_head.loss_bbox must be SmoothL1Loss, '
                            f'got {type(self.bbox_head.loss_bbox).__name__}')
        self.iou_history, self.beta_history = [], []

    def forward_train(self, x, img_metas, proposal_list, gt_bboxes, gt_labels, gt_bboxes_ignore=None,
                      gt_masks=None, **kwargs) -> dict:
        cfg = self.train_cfg.dynamic_rcnn
        gt_bboxes_ignore = gt_bboxes_ignore or [None] * len(img_metas)
        sampling_results, ious = [], []
        for i, proposals in enumerate(proposal_list):
            assign_result = self.bbox_assigner.assign(proposals, gt_bboxes[i], gt_bboxes_ignore[i], gt_labels[i])
            sampling_results.append(self.bbox_sampler.sample(assign_result, proposals, gt_bboxes[i], gt_labels[i],
                                                             feats=[level[i][None] for level in x]))
            # after sampling: the gts added as proposals count, as in mmdet
            overlaps = assign_result.max_overlaps
            ious.append(overlaps.topk(min(cfg.iou_topk, len(overlaps)))[0][-1])
        self.iou_history.append(torch.stack(ious).double().mean())
        losses = self._branch_losses(x, img_metas, sampling_results, gt_bboxes, gt_labels, gt_masks)
        if len(self.iou_history) % cfg.update_iter_interval == 0:
            self.update_hyperparameters()
        return losses

    def _bbox_forward_train(self, x, sampling_results, gt_bboxes, gt_labels, img_metas) -> dict:
        bbox_results = super()._bbox_forward_train(x, sampling_results, gt_bboxes, gt_labels, img_metas)
        bbox_targets, bbox_weights = bbox_results['bbox_targets'][2:4]
        pos = bbox_weights[:, 0].nonzero().squeeze(1)
        if len(pos):
            targets = bbox_targets[pos, :2].abs().mean(dim=1)
            k = min(self.train_cfg.dynamic_rcnn.beta_topk * len(img_metas), len(pos))
            self.beta_history.append(torch.kthvalue(targets, k)[0])
        return bbox_results

    def update_hyperparameters(self) -> tuple:
        """The new IoU threshold (of the assigner) and beta (of the box loss); clears the statistics."""
        cfg = self.train_cfg.dynamic_rcnn
        new_iou_thr = max(cfg.initial_iou, float(np.mean(torch.stack(self.iou_history).cpu().numpy())))
        self.iou_history = []
        self.bbox_assigner.pos_iou_thr = self.bbox_assigner.neg_iou_thr = self.bbox_assigner.min_pos_iou = new_iou_thr
        betas = torch.stack(self.beta_history).double().cpu().numpy() if self.beta_history else np.zeros(0)
        if len(betas) == 0 or np.median(betas) < EPS:  # keep the current beta
            new_beta = self.bbox_head.loss_bbox.beta
        else:
            new_beta = min(cfg.initial_beta, float(np.median(betas)))
        self.beta_history = []
        self.bbox_head.loss_bbox.beta = new_beta
        return new_iou_thr, new_beta
