"""``MaskFormerFusionHead``: (class, mask) query predictions to panoptic maps and instance results."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ....core.evaluation.panoptic_utils import INSTANCE_OFFSET
from ....core.mask import mask2bbox
from ...builder import HEADS
from .base_panoptic_fusion_head import BasePanopticFusionHead


@HEADS.register_module()
class MaskFormerFusionHead(BasePanopticFusionHead):
    """Turns one image's query predictions into results. ``test_cfg``: ``panoptic_on`` (default True),
    ``instance_on`` (False), ``semantic_on`` (False; not supported, as in mmdet), ``object_mask_thr`` (0.8),
    ``iou_thr`` (0.8), ``filter_low_score`` (False), ``max_per_image`` (100)."""

    def forward_train(self, **kwargs) -> dict:
        """No training loss."""
        return dict()

    def panoptic_postprocess(self, mask_cls: torch.Tensor, mask_pred: torch.Tensor) -> torch.Tensor:
        """Queries confident enough (softmax score > ``object_mask_thr``, not "no object") claim the pixels where
        their score x mask probability is the highest; a query keeping less than ``iou_thr`` of its own mask
        (probability >= 0.5) is dropped. Returns the ``(H, W)`` int32 panoptic map (VOID: ``num_classes``)."""
        object_mask_thr = self.test_cfg.get('object_mask_thr', 0.8)
        iou_thr = self.test_cfg.get('iou_thr', 0.8)
        filter_low_score = self.test_cfg.get('filter_low_score', False)
        scores, labels = F.softmax(mask_cls, dim=-1).max(-1)
        mask_pred = mask_pred.sigmoid()
        keep = labels.ne(self.num_classes) & (scores > object_mask_thr)
        cur_scores, cur_classes, cur_masks = scores[keep], labels[keep], mask_pred[keep]
        h, w = cur_masks.shape[-2:]
        panoptic_seg = torch.full((h, w), self.num_classes, dtype=torch.int32, device=cur_masks.device)
        if cur_masks.shape[0] == 0:
            return panoptic_seg
        cur_mask_ids = (cur_scores.view(-1, 1, 1) * cur_masks).argmax(0)
        instance_id = 1
        for k, pred_class in enumerate(cur_classes.tolist()):
            mask = cur_mask_ids == k
            mask_area = int(mask.sum())
            original_area = int((cur_masks[k] >= 0.5).sum())
            if filter_low_score:
                mask = mask & (cur_masks[k] >= 0.5)
            if mask_area == 0 or original_area == 0 or mask_area / original_area < iou_thr:
                continue
            if pred_class < self.num_things_classes:
                panoptic_seg[mask] = pred_class + instance_id * INSTANCE_OFFSET
                instance_id += 1
            else:
                panoptic_seg[mask] = pred_class
        return panoptic_seg

    def semantic_postprocess(self, mask_cls: torch.Tensor, mask_pred: torch.Tensor):
        raise NotImplementedError('semantic segmentation results are not supported (as in mmdet 2.x); set '
                                  'test_cfg.semantic_on=False')

    def instance_postprocess(self, mask_cls: torch.Tensor, mask_pred: torch.Tensor) -> tuple:
        """The ``max_per_image`` best (query, thing class) pairs: ``(labels, boxes with scores (n, 5),
        binary masks (n, H, W))``; a score is the class probability times the mask's mean probability inside
        it, and a box is the mask's tight box."""
        max_per_image = self.test_cfg.get('max_per_image', 100)
        num_queries = mask_cls.shape[0]
        scores = F.softmax(mask_cls, dim=-1)[:, :-1]
        labels = torch.arange(self.num_classes, device=mask_cls.device).repeat(num_queries)
        scores_per_image, top_indices = scores.flatten(0, 1).topk(min(max_per_image, scores.numel()), sorted=False)
        labels_per_image = labels[top_indices]
        mask_pred = mask_pred[top_indices // self.num_classes]
        is_thing = labels_per_image < self.num_things_classes
        scores_per_image, labels_per_image, mask_pred = (scores_per_image[is_thing], labels_per_image[is_thing],
                                                         mask_pred[is_thing])
        binary = (mask_pred > 0).float()
        mask_scores = (mask_pred.sigmoid() * binary).flatten(1).sum(1) / (binary.flatten(1).sum(1) + 1e-6)
        bboxes = torch.cat([mask2bbox(binary.bool()), (scores_per_image * mask_scores)[:, None]], dim=-1)
        return labels_per_image, bboxes, binary.bool()

    def simple_test(self, mask_cls_results, mask_pred_results, img_metas, rescale: bool = False,
                    **kwargs) -> list:
        """Per image a dict with ``pan_results`` and/or ``ins_results``; masks are cropped to ``img_shape`` and
        (``rescale``) resized to ``ori_shape``."""
        if self.test_cfg.get('semantic_on', False):
            self.semantic_postprocess(None, None)
        results = []
        for mask_cls, mask_pred, meta in zip(mask_cls_results, mask_pred_results, img_metas):
            img_h, img_w = meta['img_shape'][:2]
            mask_pred = mask_pred[:, :img_h, :img_w]
            if rescale:
                mask_pred = F.interpolate(mask_pred[:, None], size=tuple(meta['ori_shape'][:2]), mode='bilinear',
                                          align_corners=False)[:, 0]
            result = {}
            if self.test_cfg.get('panoptic_on', True):
                result['pan_results'] = self.panoptic_postprocess(mask_cls, mask_pred)
            if self.test_cfg.get('instance_on', False):
                result['ins_results'] = self.instance_postprocess(mask_cls, mask_pred)
            results.append(result)
        return results
