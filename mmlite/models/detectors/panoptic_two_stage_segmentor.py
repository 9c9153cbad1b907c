"""``TwoStagePanopticSegmentor`` and ``PanopticFPN``: Mask R-CNN plus a semantic head, fused per image."""
from __future__ import annotations

import numpy as np
import torch

from ...core.bbox import bbox2roi
from ...core.evaluation.panoptic_utils import INSTANCE_OFFSET
from ...core.post_processing import multiclass_nms
from ...image import imread, imshow_det_bboxes
from ..builder import DETECTORS, build_head
from ..roi_heads.mask_heads.fcn_mask_head import paste_masks_in_image
from .cfg_schema import check_cfg
from .two_stage import TwoStageDetector

PANOPTIC_TEST = frozenset({'score_thr', 'max_per_img', 'mask_thr_binary', 'mask_overlap', 'nms',
                           'stuff_area_limit'})


def _split_panoptic_cfg(test_cfg) -> tuple:
    """``(test_cfg without 'panoptic', its validated 'panoptic' section)``."""
    if test_cfg is None:
        return None, None
    test_cfg = dict(test_cfg)
    panoptic = check_cfg(test_cfg.pop('panoptic', None), PANOPTIC_TEST, 'model.test_cfg.panoptic',
                         required=tuple(sorted(PANOPTIC_TEST)))
    return test_cfg, panoptic


@DETECTORS.register_module()
class TwoStagePanopticSegmentor(TwoStageDetector):
    """A two-stage instance segmentor with ``semantic_head`` (trained with ``gt_semantic_seg``) and
    ``panoptic_fusion_head`` (configured by ``test_cfg.panoptic``). ``simple_test`` returns per image
    ``dict(pan_results=(H, W) int array)`` (``instance_id * INSTANCE_OFFSET + label``; ``num_classes``: VOID).
    """

    def __init__(self, backbone: dict, neck: dict | None = None, rpn_head: dict | None = None,
                 roi_head: dict | None = None, train_cfg=None, test_cfg=None, pretrained=None, init_cfg=None,
                 semantic_head: dict | None = None, panoptic_fusion_head: dict | None = None):
        test_cfg, panoptic_cfg = _split_panoptic_cfg(test_cfg)
        super().__init__(backbone, neck, rpn_head, roi_head, train_cfg, test_cfg, pretrained, init_cfg)
        if self.test_cfg is not None:
            self.test_cfg.panoptic = panoptic_cfg
        if semantic_head is not None:
            self.semantic_head = build_head(semantic_head)
        if panoptic_fusion_head is not None:
            self.panoptic_fusion_head = build_head(dict(panoptic_fusion_head, test_cfg=panoptic_cfg))
            self.num_things_classes = self.panoptic_fusion_head.num_things_classes
            self.num_stuff_classes = self.panoptic_fusion_head.num_stuff_classes
            self.num_classes = self.panoptic_fusion_head.num_classes

    @property
    def with_semantic_head(self) -> bool:
        return getattr(self, 'semantic_head', None) is not None

    @property
    def with_panoptic_fusion_head(self) -> bool:
        return getattr(self, 'panoptic_fusion_head', None) is not None

    def forward_dummy(self, img):
        raise NotImplementedError(f'`forward_dummy` is not implemented in {type(self).__name__}')

    def forward_train(self, img, img_metas, gt_bboxes, gt_labels, gt_bboxes_ignore=None, gt_masks=None,
                      gt_semantic_seg=None, proposals=None, **kwargs) -> dict:
        """Mask R-CNN's losses plus the semantic head's ``loss_seg``."""
        if gt_semantic_seg is None:
            raise ValueError(f'{type(self).__name__} trains its semantic head on gt_semantic_seg: load it with '
                             "LoadPanopticAnnotations(with_seg=True) and Collect 'gt_semantic_seg'")
        x = self.extract_feat(img)
        losses = self._rpn_roi_losses(x, img_metas, gt_bboxes, gt_labels, gt_bboxes_ignore, gt_masks, proposals,
                                      **kwargs)
        losses.update(self.semantic_head.forward_train(x, gt_semantic_seg))
        return losses

    def simple_test_mask(self, x, img_metas, det_bboxes, det_labels, rescale: bool = False) -> list:
        """Per image ``(K, H, W)`` boolean masks of the detections (probability >= ``mask_thr_binary``) at the
        original size (``rescale``) or the padded input size."""
        shapes = [meta['ori_shape'] if rescale else meta['pad_shape'] for meta in img_metas]
        empty = [det_bboxes[0].new_zeros((0, ) + tuple(shape[:2]), dtype=torch.bool) for shape in shapes]
        if all(det.shape[0] == 0 for det in det_bboxes):
            return empty
        boxes = [det[:, :4] for det in det_bboxes]
        if rescale:  # the RoIs are in the network input's frame, the pasted boxes in the original image's
            scales = [det_bboxes[0].new_tensor(np.asarray(meta['scale_factor'], dtype=np.float32))
                      for meta in img_metas]
            rois = bbox2roi([b * s for b, s in zip(boxes, scales)])
        else:
            rois = bbox2roi(boxes)
        mask_preds = self.roi_head._mask_forward(x, rois)['mask_pred'].split([len(b) for b in boxes], 0)
        threshold = self.test_cfg.panoptic.mask_thr_binary
        masks = []
        for pred, box, labels, shape, no_masks in zip(mask_preds, boxes, det_labels, shapes, empty):
            probs = pred[torch.arange(len(labels), device=pred.device), labels][:, None].sigmoid()
            masks.append(paste_masks_in_image(probs, box, shape[0], shape[1], threshold) if len(box) else no_masks)
        return masks

    def simple_test(self, img, img_metas, proposals=None, rescale: bool = False) -> list:
        """Per image ``dict(pan_results=...)``."""
        x = self.extract_feat(img)
        proposal_list = self.rpn_head.simple_test_rpn(x, img_metas) if proposals is None else proposals
        bboxes, scores = self.roi_head.simple_test_bboxes(x, img_metas, proposal_list, None, rescale=rescale)
        cfg = self.test_cfg.panoptic
        dets = [multiclass_nms(b, s, cfg.score_thr, cfg.nms, cfg.max_per_img) for b, s in zip(bboxes, scores)]
        det_bboxes, det_labels = [d[0] for d in dets], [d[1] for d in dets]
        masks = self.simple_test_mask(x, img_metas, det_bboxes, det_labels, rescale=rescale)
        seg_preds = self.semantic_head.simple_test(x, img_metas, rescale)
        results = []
        for i in range(len(det_bboxes)):
            pan = self.panoptic_fusion_head.simple_test(det_bboxes[i], det_labels[i], masks[i], seg_preds[i])
            results.append(dict(pan_results=pan.int().cpu().numpy()))
        return results

    def aug_test(self, imgs, img_metas, rescale: bool = False):
        raise NotImplementedError(f'{type(self).__name__} has no test-time augmentation (as in mmdet 2.x); '
                                  'use a test pipeline with one scale and flip=False')

    def show_result(self, img, result: dict, score_thr: float = 0.3, bbox_color=(72, 101, 241),
                    text_color=(72, 101, 241), mask_color=None, thickness: int = 2, font_size: int = 13,
                    win_name: str = '', show: bool = False, wait_time: int = 0, out_file: str | None = None):
        """Draw the panoptic segments (VOID left out), each labelled at its bounding box."""
        img = imread(img).copy() if isinstance(img, str) else np.asarray(img).copy()
        pan = result['pan_results']
        ids = np.unique(pan)[::-1]
        ids = ids[ids != self.num_classes]
        labels = (ids % INSTANCE_OFFSET).astype(np.int64)
        segms = pan[None] == ids[:, None, None]
        boxes = np.zeros((len(ids), 4), np.float32)
        for k, mask in enumerate(segms):
            ys, xs = np.nonzero(mask)
            boxes[k] = xs.min(), ys.min(), xs.max() + 1, ys.max() + 1
        return imshow_det_bboxes(img, boxes, labels, segms, class_names=getattr(self, 'CLASSES', None),
                                 bbox_color=bbox_color, text_color=text_color, mask_color=mask_color,
                                 thickness=thickness, font_size=font_size, win_name=win_name, show=show,
                                 wait_time=wait_time, out_file=out_file)


@DETECTORS.register_module()
class PanopticFPN(TwoStagePanopticSegmentor):
    """Panoptic FPN (Kirillov et al., 2019): Mask R-CNN with a ``PanopticFPNHead`` and ``HeuristicFusionHead``."""
