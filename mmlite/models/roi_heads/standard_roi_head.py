"""``StandardRoIHead``: assign and sample proposals, pool, then box (and mask) heads."""
from __future__ import annotations

import torch

from ...core.bbox import bbox2result, bbox2roi, build_assigner, build_sampler
from ...core.post_processing import dets_in_first_aug_frame
from ..builder import HEADS
from .base_roi_head import BaseRoIHead, assign_and_sample
from .test_mixins import BBoxTestMixin, MaskTestMixin


@HEADS.register_module()
class StandardRoIHead(BBoxTestMixin, MaskTestMixin, BaseRoIHead):
    """Faster/Mask R-CNN's second stage.

    ``train_cfg`` keys: ``assigner``, ``sampler``, ``pos_weight``, ``mask_size`` (masks), ``debug``;
    ``test_cfg``: ``score_thr``, ``nms``, ``max_per_img``, ``mask_thr_binary`` (masks).
    """

    def init_assigner_sampler(self) -> None:
        self.bbox_assigner = self.bbox_sampler = None
        if isinstance(self.train_cfg, (list, tuple)):
            raise TypeError('model.train_cfg.rcnn is a list (one dict per cascade stage), but the roi_head is a '
                            f'{type(self).__name__}: use type="CascadeRoIHead" or a single rcnn dict')
        if self.train_cfg:
            self.bbox_assigner = build_assigner(self.train_cfg.assigner)
            self.bbox_sampler = build_sampler(self.train_cfg.sampler, context=self)

    def forward_dummy(self, x, proposals):
        """Raw head outputs for FLOPs counting."""
        outs = ()
        rois = bbox2roi([proposals])
        if self.with_bbox:
            bbox_results = self._bbox_forward(x, rois)
            outs = outs + (bbox_results['cls_score'], bbox_results['bbox_pred'])
        if self.with_mask:
            outs = outs + (self._mask_forward(x, rois[:100])['mask_pred'], )
        return outs

    def forward_train(self, x, img_metas, proposal_list, gt_bboxes, gt_labels, gt_bboxes_ignore=None,
                      gt_masks=None, **kwargs) -> dict:
        """``loss_cls``, ``acc``, ``loss_bbox`` (and ``loss_mask``)."""
        sampling_results = assign_and_sample(self.bbox_assigner, self.bbox_sampler, x, proposal_list, gt_bboxes,
                                             gt_labels, gt_bboxes_ignore)
        return self._branch_losses(x, img_metas, sampling_results, gt_bboxes, gt_labels, gt_masks)

    def _branch_losses(self, x, img_metas, sampling_results, gt_bboxes, gt_labels, gt_masks, **bbox_kwargs) -> dict:
        """The box (and mask) branches' losses on the sampled RoIs (``bbox_kwargs`` go to the box branch)."""
        losses = {}
        bbox_results = None
        if self.with_bbox:
            bbox_results = self._bbox_forward_train(x, sampling_results, gt_bboxes, gt_labels, img_metas,
                                                    **bbox_kwargs)
            losses.update(bbox_results['loss_bbox'])
        if self.with_mask:
            mask_results = self._mask_forward_train(x, sampling_results,
                                                    bbox_results['bbox_feats'] if bbox_results else None,
                                                    gt_masks, img_metas)
            losses.update(mask_results['loss_mask'])
        return losses

    def _bbox_forward(self, x, rois) -> dict:
        bbox_feats = self.bbox_roi_extractor(x[:self.bbox_roi_extractor.num_inputs], rois)
        if self.with_shared_head:
            bbox_feats = self.shared_head(bbox_feats)
        cls_score, bbox_pred = self.bbox_head(bbox_feats)
        return dict(cls_score=cls_score, bbox_pred=bbox_pred, bbox_feats=bbox_feats)

    def _bbox_forward_train(self, x, sampling_results, gt_bboxes, gt_labels, img_metas) -> dict:
        rois = bbox2roi([res.bboxes for res in sampling_results])
        bbox_results = self._bbox_forward(x, rois)
        bbox_targets = self.bbox_head.get_targets(sampling_results, gt_bboxes, gt_labels, self.train_cfg)
        bbox_results.update(loss_bbox=self.bbox_head.loss(bbox_results['cls_score'], bbox_results['bbox_pred'],
                                                          rois, *bbox_targets), bbox_targets=bbox_targets)
        return bbox_results

    def _mask_forward_train(self, x, sampling_results, bbox_feats, gt_masks, img_metas) -> dict:
        if not self.share_roi_extractor:
            mask_results = self._mask_forward(x, bbox2roi([res.pos_bboxes for res in sampling_results]))
        else:
            device = bbox_feats.device
            pos_inds = torch.cat([torch.cat([torch.ones(len(res.pos_bboxes), device=device, dtype=torch.bool),
                                             torch.zeros(len(res.neg_bboxes), device=device, dtype=torch.bool)])
                                  for res in sampling_results])
            mask_results = self._mask_forward(x, pos_inds=pos_inds, bbox_feats=bbox_feats)
        mask_targets = self.mask_head.get_targets(sampling_results, gt_masks, self.train_cfg)
        pos_labels = torch.cat([res.pos_gt_labels for res in sampling_results])
        mask_results.update(loss_mask=self.mask_head.loss(mask_results['mask_pred'], mask_targets, pos_labels),
                            mask_targets=mask_targets)
        return mask_results

    def _mask_forward(self, x, rois=None, pos_inds=None, bbox_feats=None) -> dict:
        if (rois is None) == (pos_inds is None and bbox_feats is None):
            raise ValueError('_mask_forward needs either rois, or pos_inds with bbox_feats')
        if rois is not None:
            mask_feats = self.mask_roi_extractor(x[:self.mask_roi_extractor.num_inputs], rois)
            if self.with_shared_head:
                mask_feats = self.shared_head(mask_feats)
        else:
            mask_feats = bbox_feats[pos_inds]
        return dict(mask_pred=self.mask_head(mask_feats), mask_feats=mask_feats)

    def simple_test(self, x, proposal_list, img_metas, proposals=None, rescale: bool = False) -> list:
        """Per image mmdet results: per-class ``(n, 5)`` arrays (and per-class masks)."""
        if not self.with_bbox:
            raise RuntimeError('StandardRoIHead.simple_test needs a bbox_head')
        det_bboxes, det_labels = self.simple_test_bboxes(x, img_metas, proposal_list, self.test_cfg,
                                                         rescale=rescale)
        num_classes = self.bbox_head.num_classes
        bbox_results = [bbox2result(b, lab, num_classes) for b, lab in zip(det_bboxes, det_labels)]
        if not self.with_mask:
            return bbox_results
        segm_results = self.simple_test_mask(x, img_metas, det_bboxes, det_labels, rescale=rescale)
        return list(zip(bbox_results, segm_results))

    def aug_test(self, x, proposal_list, img_metas, rescale: bool = False) -> list:
        """Test-time augmentation (one image): merged boxes (and masks)."""
        det_bboxes, det_labels = self.aug_test_bboxes(x, img_metas, proposal_list, self.test_cfg)
        bbox_results = bbox2result(dets_in_first_aug_frame(det_bboxes, img_metas, rescale), det_labels,
                                   self.bbox_head.num_classes)
        if not self.with_mask:
            return [bbox_results]
        return [(bbox_results, self.aug_test_mask(x, img_metas, det_bboxes, det_labels))]
