"""Inference of the box and mask branches: single scale and test-time augmentation."""
from __future__ import annotations

import numpy as np
import torch

from ...core.bbox import bbox2roi, bbox_mapping
from ...core.post_processing import merge_aug_bboxes, merge_aug_masks, multiclass_nms


def _empty_dets(like: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    return like.new_zeros(0, 5), like.new_zeros((0, ), dtype=torch.long)


def split_bbox_pred(bbox_head, bbox_pred, num_per_img) -> tuple:
    """Per image box predictions: a tensor's rows, or a head's own split (SABL's ``(buckets, offsets)``)."""
    if bbox_pred is None:
        return (None, ) * len(num_per_img)
    if isinstance(bbox_pred, torch.Tensor):
        return bbox_pred.split(num_per_img, 0)
    return bbox_head.bbox_pred_split(bbox_pred, num_per_img)


def _aug_meta(img_meta: list) -> tuple:
    meta = img_meta[0]
    return meta['img_shape'], meta['scale_factor'], meta['flip'], meta.get('flip_direction', 'horizontal')


class BBoxTestMixin:
    """``simple_test_bboxes`` / ``aug_test_bboxes`` over ``_bbox_forward``."""

    def simple_test_bboxes(self, x, img_metas, proposals, rcnn_test_cfg, rescale: bool = False):
        """Per image ``(dets (k, 5), labels (k,))`` after per-class NMS."""
        rois = bbox2roi(proposals)
        if rois.shape[0] == 0:
            det_bbox, det_label = _empty_dets(rois)
            if rcnn_test_cfg is None:
                det_bbox, det_label = det_bbox[:, :4], rois.new_zeros((0, self.bbox_head.fc_cls.out_features))
            return [det_bbox] * len(proposals), [det_label] * len(proposals)
        bbox_results = self._bbox_forward(x, rois)
        num_per_img = tuple(len(p) for p in proposals)
        rois = rois.split(num_per_img, 0)
        cls_scores = bbox_results['cls_score'].split(num_per_img, 0)
        bbox_preds = split_bbox_pred(self.bbox_head, bbox_results['bbox_pred'], num_per_img)
        det_bboxes, det_labels = [], []
        for i, meta in enumerate(img_metas):
            if rois[i].shape[0] == 0:
                det_bbox, det_label = _empty_dets(rois[i])
            else:
                det_bbox, det_label = self.bbox_head.get_bboxes(rois[i], cls_scores[i], bbox_preds[i],
                                                                meta['img_shape'], meta['scale_factor'],
                                                                rescale=rescale, cfg=rcnn_test_cfg)
            det_bboxes.append(det_bbox)
            det_labels.append(det_label)
        return det_bboxes, det_labels

    def aug_test_bboxes(self, feats, img_metas, proposal_list, rcnn_test_cfg):
        """Average the boxes/scores of each augmentation (mapped back), then per-class NMS."""
        aug_bboxes, aug_scores = [], []
        for x, img_meta in zip(feats, img_metas):
            img_shape, scale_factor, flip, direction = _aug_meta(img_meta)
            proposals = bbox_mapping(proposal_list[0][:, :4], img_shape, scale_factor, flip, direction)
            rois = bbox2roi([proposals])
            bbox_results = self._bbox_forward(x, rois)
            bboxes, scores = self.bbox_head.get_bboxes(rois, bbox_results['cls_score'], bbox_results['bbox_pred'],
                                                       img_shape, scale_factor, rescale=False, cfg=None)
            aug_bboxes.append(bboxes)
            aug_scores.append(scores)
        merged_bboxes, merged_scores = merge_aug_bboxes(aug_bboxes, aug_scores, img_metas, rcnn_test_cfg)
        if merged_bboxes.shape[0] == 0:
            return _empty_dets(merged_bboxes)
        return multiclass_nms(merged_bboxes, merged_scores, rcnn_test_cfg.score_thr, rcnn_test_cfg.nms,
                              rcnn_test_cfg.max_per_img)


class MaskTestMixin:
    """``simple_test_mask`` / ``aug_test_mask`` over ``_mask_forward``."""

    @property
    def test_mask_head(self):
        """The mask head whose ``get_seg_masks`` pastes the test masks (the last one in a cascade)."""
        return self.mask_head

    def _stage_mask_probs(self, x, rois, det_labels=None) -> list:
        """Sigmoid mask probabilities of the RoIs, one ``(n, c, h, w)`` array per mask head (``det_labels``: the
        RoIs' classes, for heads that refine per class)."""
        return [self._mask_forward(x, rois)['mask_pred'].sigmoid().cpu().numpy()]

    def _test_mask_preds(self, x, rois, num_per_img: list) -> list:
        """Per image, what ``get_seg_masks`` takes: the mask logits of the one mask head."""
        return self._mask_forward(x, rois)['mask_pred'].split(num_per_img, 0)

    def simple_test_mask(self, x, img_metas, det_bboxes, det_labels, rescale: bool = False) -> list:
        """Per image, per class, the binary masks of the detections."""
        head = self.test_mask_head
        if all(det_bbox.shape[0] == 0 for det_bbox in det_bboxes):
            return [[[] for _ in range(head.num_classes)] for _ in det_bboxes]
        bboxes, scale_factors = self._test_mask_boxes(det_bboxes, img_metas, rescale)
        mask_preds = self._test_mask_preds(x, bbox2roi(bboxes), [len(det) for det in det_bboxes])
        return self._paste_test_masks(mask_preds, bboxes, det_labels, img_metas, scale_factors, rescale)

    @staticmethod
    def _test_mask_boxes(det_bboxes, img_metas, rescale: bool) -> tuple[list, list]:
        """The detections' boxes in the network input's frame (rescaled ones are in the original image's),
        and the per-image scale factors as tensors."""
        scale_factors = [torch.as_tensor(np.asarray(meta['scale_factor'], dtype=np.float32),
                                         device=det_bboxes[0].device) for meta in img_metas]
        bboxes = [det[:, :4] * sf if rescale else det[:, :4] for det, sf in zip(det_bboxes, scale_factors)]
        return bboxes, scale_factors

    def _paste_test_masks(self, mask_preds, bboxes, det_labels, img_metas, scale_factors, rescale: bool) -> list:
        """Per image, ``get_seg_masks`` of its mask predictions (empty per-class lists without detections)."""
        head = self.test_mask_head
        segm_results = []
        for i, meta in enumerate(img_metas):
            if bboxes[i].shape[0] == 0:
                segm_results.append([[] for _ in range(head.num_classes)])
            else:
                segm_results.append(head.get_seg_masks(mask_preds[i], bboxes[i], det_labels[i], self.test_cfg,
                                                       meta['ori_shape'], scale_factors[i], rescale))
        return segm_results

    def aug_test_mask(self, feats, img_metas, det_bboxes, det_labels) -> list:
        """Masks of merged detections: average each augmentation's (un-flipped) probabilities."""
        head = self.test_mask_head
        if det_bboxes.shape[0] == 0:
            return [[] for _ in range(head.num_classes)]
        aug_masks, aug_metas = [], []
        for x, img_meta in zip(feats, img_metas):
            img_shape, scale_factor, flip, direction = _aug_meta(img_meta)
            bboxes = bbox_mapping(det_bboxes[:, :4], img_shape, scale_factor, flip, direction)
            for probs in self._stage_mask_probs(x, bbox2roi([bboxes]), det_labels):
                aug_masks.append(probs)
                aug_metas.append(img_meta)
        merged_masks = merge_aug_masks(aug_masks, aug_metas, self.test_cfg)
        return head.get_seg_masks(merged_masks, det_bboxes, det_labels, self.test_cfg,
                                  img_metas[0][0]['ori_shape'], scale_factor=det_bboxes.new_ones(4), rescale=False)
