"""``CornerNet``: a single-stage detector with a ``CornerHead``, whose flip test merges both views' boxes."""
from __future__ import annotations

import torch

from ...core.bbox import bbox2result, bbox_mapping_back
from ..builder import DETECTORS
from .single_stage import SingleStageDetector


@DETECTORS.register_module()
class CornerNet(SingleStageDetector):
    """CornerNet (Law & Deng, 2018)."""

    def __init__(self, backbone, neck, bbox_head, train_cfg=None, test_cfg=None, pretrained=None, init_cfg=None):
        super().__init__(backbone, neck, bbox_head, train_cfg, test_cfg, pretrained, init_cfg)

    def merge_aug_results(self, aug_results: list, img_metas: list) -> tuple:
        """Each augmentation's ``(dets, labels)`` mapped back to the original image, then the head's NMS."""
        recovered, labels = [], []
        for (bboxes, img_labels), img_info in zip(aug_results, img_metas):
            meta = img_info[0]
            mapped = bbox_mapping_back(bboxes[:, :4], meta['img_shape'], meta['scale_factor'], meta['flip'],
                                       meta.get('flip_direction', 'horizontal'))
            recovered.append(torch.cat([mapped, bboxes[:, -1:]], dim=-1))
            labels.append(img_labels)
        bboxes, labels = torch.cat(recovered), torch.cat(labels)
        if bboxes.shape[0] > 0:
            return self.bbox_head._bboxes_nms(bboxes, labels, self.bbox_head.test_cfg)
        return bboxes, labels

    def aug_test(self, imgs, img_metas, rescale: bool = False) -> list:
        """``imgs`` come in (plain, flipped) pairs: each pair's detections (no NMS) are mapped back and merged."""
        if len(imgs) % 2 or not all(meta[0]['flip'] for meta in img_metas[1::2]):
            raise ValueError('CornerNet.aug_test needs (plain, flipped) image pairs; add flip=True to '
                             'MultiScaleFlipAug')
        aug_results = []
        for plain, flipped in zip(range(0, len(imgs), 2), range(1, len(imgs), 2)):
            outs = self.bbox_head(self.extract_feat(torch.cat([imgs[plain], imgs[flipped]])))
            aug_results.extend(self.bbox_head.get_bboxes(*outs, [img_metas[plain], img_metas[flipped]], False, False))
        bboxes, labels = self.merge_aug_results(aug_results, img_metas)
        return [bbox2result(bboxes, labels, self.bbox_head.num_classes)]
