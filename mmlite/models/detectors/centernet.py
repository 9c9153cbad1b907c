"""``CenterNet``: a single-stage detector with a ``CenterNetHead``, whose flip test averages the heatmaps."""
from __future__ import annotations

import torch

from ...core.bbox import bbox2result
from ...core.utils import flip_tensor
from ..builder import DETECTORS
from .single_stage import SingleStageDetector


@DETECTORS.register_module()
class CenterNet(SingleStageDetector):
    """CenterNet (Zhou et al., 2019)."""

    def __init__(self, backbone, neck, bbox_head, train_cfg=None, test_cfg=None, pretrained=None, init_cfg=None):
        super().__init__(backbone, neck, bbox_head, train_cfg, test_cfg, pretrained, init_cfg)

    def merge_aug_results(self, aug_results: list, with_nms: bool) -> tuple:
        """All pairs' detections of the image together (through the head's NMS with ``with_nms``)."""
        bboxes = torch.cat([result[0][0] for result in aug_results]).contiguous()
        labels = torch.cat([result[0][1] for result in aug_results]).contiguous()
        if with_nms:
            return self.bbox_head._bboxes_nms(bboxes, labels, self.bbox_head.test_cfg)
        return bboxes, labels

    def aug_test(self, imgs, img_metas, rescale: bool = True) -> list:
        """``imgs`` come in (plain, flipped) pairs of one image: per pair the heatmaps and sizes are averaged
        with the flipped ones (offsets: the plain image's); detections of all pairs are merged, with NMS when
        ``test_cfg`` has ``nms_cfg``."""
        if len(imgs) % 2 or not all(meta[0]['flip'] for meta in img_metas[1::2]):
            raise ValueError('CenterNet.aug_test needs (plain, flipped) image pairs; add flip=True to '
                             'MultiScaleFlipAug')
        aug_results = []
        for plain, flipped in zip(range(0, len(imgs), 2), range(1, len(imgs), 2)):
            direction = img_metas[flipped][0]['flip_direction']
            heatmaps, whs, offsets = self.bbox_head(self.extract_feat(torch.cat([imgs[plain], imgs[flipped]])))
            heatmap = (heatmaps[0][0:1] + flip_tensor(heatmaps[0][1:2], direction)) / 2
            wh = (whs[0][0:1] + flip_tensor(whs[0][1:2], direction)) / 2
            aug_results.append(self.bbox_head.get_bboxes([heatmap], [wh], [offsets[0][0:1]], img_metas[plain],
                                                         rescale=rescale, with_nms=False))
        with_nms = self.bbox_head.test_cfg.get('nms_cfg', None) is not None
        det_bboxes, det_labels = self.merge_aug_results(aug_results, with_nms)
        return [bbox2result(det_bboxes, det_labels, self.bbox_head.num_classes)]
