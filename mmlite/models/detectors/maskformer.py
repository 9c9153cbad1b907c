"""``MaskFormer``: backbone (and neck) with a ``MaskFormerHead`` and a ``MaskFormerFusionHead``."""
from __future__ import annotations

import copy

from ...core.bbox import bbox2result
from ..builder import DETECTORS, build_backbone, build_head, build_neck
from .base import BaseDetector
from .cfg_schema import check_cfg
from .panoptic_two_stage_segmentor import TwoStagePanopticSegmentor

MASKFORMER_TRAIN = frozenset({'assigner', 'sampler'})
MASKFORMER_TEST = frozenset({'panoptic_on', 'semantic_on', 'instance_on', 'max_per_image', 'object_mask_thr',
                             'iou_thr', 'filter_low_score'})


@DETECTORS.register_module()
class MaskFormer(BaseDetector):
    """Panoptic (and instance) segmentation by mask classification. ``simple_test`` returns per image
    ``dict(pan_results=..., ins_results=(per-class boxes, per-class masks))`` as ``test_cfg`` asks; with no
    stuff classes, the instance results alone (mmdet's detection format).

    ``train_cfg``: ``assigner``, ``sampler``; ``test_cfg``: ``panoptic_on``, ``semantic_on``, ``instance_on``,
    ``max_per_image``, ``object_mask_thr``, ``iou_thr``, ``filter_low_score``.
    """

    train_cfg_keys = MASKFORMER_TRAIN

    def __init__(self, backbone: dict, neck: dict | None = None, panoptic_head: dict | None = None,
                 panoptic_fusion_head: dict | None = None, train_cfg=None, test_cfg=None, init_cfg=None):
        super().__init__(init_cfg)
        self.backbone = build_backbone(backbone)
        if neck is not None:
            self.neck = build_neck(neck)
        self.train_cfg = check_cfg(train_cfg, self.train_cfg_keys, 'model.train_cfg', required=('assigner', 'sampler'))
        self.test_cfg = check_cfg(test_cfg, MASKFORMER_TEST, 'model.test_cfg')
        self.panoptic_head = build_head(dict(copy.deepcopy(panoptic_head), train_cfg=self.train_cfg,
                                             test_cfg=self.test_cfg))
        self.panoptic_fusion_head = build_head(dict(copy.deepcopy(panoptic_fusion_head), test_cfg=self.test_cfg))
        self.num_things_classes = self.panoptic_head.num_things_classes
        self.num_stuff_classes = self.panoptic_head.num_stuff_classes
        self.num_classes = self.panoptic_head.num_classes

    def extract_feat(self, img):
        x = self.backbone(img)
        return self.neck(x) if self.with_neck else x

    def forward_dummy(self, img, img_metas):
        return self.panoptic_head(self.extract_feat(img), img_metas)

    def forward_train(self, img, img_metas, gt_bboxes, gt_labels, gt_masks, gt_semantic_seg=None,
                      gt_bboxes_ignore=None, **kwargs) -> dict:
        """``loss_cls``/``loss_mask``/``loss_dice`` and their ``d{i}.`` twins for the earlier decoder layers."""
        super().forward_train(img, img_metas)
        return self.panoptic_head.forward_train(self.extract_feat(img), img_metas, gt_bboxes, gt_labels, gt_masks,
                                                gt_semantic_seg, gt_bboxes_ignore)

    def simple_test(self, imgs, img_metas, **kwargs) -> list:
        mask_cls, mask_pred = self.panoptic_head.simple_test(self.extract_feat(imgs), img_metas, **kwargs)
        results = self.panoptic_fusion_head.simple_test(mask_cls, mask_pred, img_metas, **kwargs)
        for result in results:
            if 'pan_results' in result:
                result['pan_results'] = result['pan_results'].detach().cpu().numpy()
            if 'ins_results' in result:
                labels, bboxes, masks = result['ins_results']
                mask_results = [[] for _ in range(self.num_things_classes)]
                for label, mask in zip(labels.tolist(), masks.detach().cpu().numpy()):
                    mask_results[label].append(mask)
                result['ins_results'] = bbox2result(bboxes, labels, self.num_things_classes), mask_results
        if self.num_stuff_classes == 0:
            return [result['ins_results'] for result in results]
        return results

    def aug_test(self, imgs, img_metas, **kwargs):
        raise NotImplementedError(f'{type(self).__name__} has no test-time augmentation (as in mmdet 2.x)')

    def show_result(self, img, result, **kwargs):
        """Draw the panoptic segments, or the instance results when the model has no stuff classes."""
        if self.num_stuff_classes > 0:
            return TwoStagePanopticSegmentor.show_result(self, img, result, **kwargs)
        return super().show_result(img, result, **kwargs)


@DETECTORS.register_module()
class Mask2Former(MaskFormer):
    """Mask2Former (Cheng et al., 2022): MaskFormer with a ``Mask2FormerHead``; ``train_cfg`` also takes
    ``num_points``, ``oversample_ratio`` and ``importance_sample_ratio``."""

    train_cfg_keys = MASKFORMER_TRAIN | {'num_points', 'oversample_ratio', 'importance_sample_ratio'}
