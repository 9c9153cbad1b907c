"""``YOLACT``: real-time instance segmentation from prototype masks and per-detection coefficients."""
from __future__ import annotations

import torch

from ...core.bbox import bbox2result
from ..builder import DETECTORS, build_head
from .single_stage import SingleStageDetector


@DETECTORS.register_module()
class YOLACT(SingleStageDetector):
    """YOLACT (Bolya et al., 2019): a ``YOLACTHead`` (boxes and mask coefficients), a ``YOLACTProtonet``
    (prototypes, masks) and, in training, a ``YOLACTSegmHead`` (auxiliary semantic loss)."""

    def __init__(self, backbone, neck, bbox_head, segm_head, mask_head, train_cfg=None, test_cfg=None,
                 pretrained=None, init_cfg=None):
        super().__init__(backbone, neck, bbox_head, train_cfg, test_cfg, pretrained, init_cfg)
        self.segm_head = build_head(segm_head)
        self.mask_head = build_head(mask_head)

    def forward_dummy(self, img):
        feat = self.extract_feat(img)
        return self.bbox_head(feat), self.mask_head.forward_dummy(feat[0])

    def forward_train(self, img, img_metas, gt_bboxes, gt_labels, gt_bboxes_ignore=None, gt_masks=None) -> dict:
        """``loss_cls``/``loss_bbox`` (per image with OHEM), ``loss_segm`` and ``loss_mask``."""
        if gt_masks is None:
            raise ValueError('YOLACT trains on instance masks: the pipeline must load them (LoadAnnotations('
                             "with_mask=True) and collect 'gt_masks')")
        super(SingleStageDetector, self).forward_train(img, img_metas)
        gt_masks = [masks.to_tensor(dtype=torch.uint8, device=img.device) for masks in gt_masks]
        x = self.extract_feat(img)
        cls_score, bbox_pred, coeff_pred = self.bbox_head(x)
        losses, sampling_results = self.bbox_head.loss(cls_score, bbox_pred, gt_bboxes, gt_labels, img_metas,
                                                       gt_bboxes_ignore=gt_bboxes_ignore)
        losses.update(self.segm_head.loss(self.segm_head(x[0]), gt_masks, gt_labels))
        mask_pred = self.mask_head(x[0], coeff_pred, gt_bboxes, img_metas, sampling_results)
        losses.update(self.mask_head.loss(mask_pred, gt_masks, gt_bboxes, img_metas, sampling_results))
        return losses

    def simple_test(self, img, img_metas, rescale: bool = False) -> list:
        """Per image ``(bbox_results, segm_results)``."""
        feat = self.extract_feat(img)
        det_bboxes, det_labels, det_coeffs = self.bbox_head.simple_test(feat, img_metas, rescale=rescale)
        bbox_results = [bbox2result(dets, labels, self.bbox_head.num_classes)
                        for dets, labels in zip(det_bboxes, det_labels)]
        segm_results = self.mask_head.simple_test(feat, det_bboxes, det_labels, det_coeffs, img_metas,
                                                  rescale=rescale)
        return list(zip(bbox_results, segm_results))

    def aug_test(self, imgs, img_metas, rescale: bool = False):
        raise NotImplementedError('YOLACT does not support test-time augmentation (neither does mmdet 2.x)')
