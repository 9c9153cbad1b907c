"""``PointRendRoIHead``: Mask R-CNN's RoI head with PointRend's coarse masks refined point by point."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ...core.bbox import bbox2roi
from ...ops import point_sample
from ...ops.point_sample import sample_roi_points
from ..builder import HEADS, build_head
from .standard_roi_head import StandardRoIHead


@HEADS.register_module()
class PointRendRoIHead(StandardRoIHead):
    """Trains ``point_head`` on points of the coarse masks (``loss_point``: uncertain and random points,
    ``train_cfg.rcnn.num_points``, ``oversample_ratio``, ``importance_sample_ratio``); at test time upsamples each
    coarse mask ``test_cfg.rcnn.subdivision_steps`` times by ``scale_factor`` and re-predicts its
    ``subdivision_num_points`` most uncertain cells from fine-grained features."""

    extra_train_cfg_keys = frozenset({'num_points', 'oversample_ratio', 'importance_sample_ratio'})
    extra_test_cfg_keys = frozenset({'subdivision_steps', 'subdivision_num_points', 'scale_factor'})

    def __init__(self, point_head: dict, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not (self.with_bbox and self.with_mask):
            raise ValueError('PointRendRoIHead needs a bbox_head and a mask_head')
        self.init_point_head(point_head)

    def init_point_head(self, point_head: dict) -> None:
        self.point_head = build_head(point_head)

    def _mask_forward_train(self, x, sampling_results, bbox_feats, gt_masks, img_metas) -> dict:
        mask_results = super()._mask_forward_train(x, sampling_results, bbox_feats, gt_masks, img_metas)
        mask_results['loss_mask'].update(
            self._mask_point_forward_train(x, sampling_results, mask_results['mask_pred'], gt_masks, img_metas))
        return mask_results

    def _mask_point_forward_train(self, x, sampling_results, mask_pred, gt_masks, img_metas) -> dict:
        pos_labels = torch.cat([res.pos_gt_labels for res in sampling_results])
        rel_roi_points = self.point_head.get_roi_rel_points_train(mask_pred, pos_labels, cfg=self.train_cfg)
        rois = bbox2roi([res.pos_bboxes for res in sampling_results])
        point_pred = self.point_head(self._get_fine_grained_point_feats(x, rois, rel_roi_points, img_metas),
                                     point_sample(mask_pred, rel_roi_points))
        targets = self.point_head.get_targets(rois, rel_roi_points, sampling_results, gt_masks, self.train_cfg)
        return self.point_head.loss(point_pred, targets, pos_labels)

    def _get_fine_grained_point_feats(self, x, rois, rel_roi_points, img_metas) -> torch.Tensor:
        """``(n, channels, points)``: each RoI's points sampled from every feature level the mask RoI
        extractor reads, concatenated over the levels."""
        return torch.cat([sample_roi_points(x[level], rois, rel_roi_points, 1. / stride)
                          for level, stride in enumerate(self.mask_roi_extractor.featmap_strides)], dim=1)

    def _mask_point_forward_test(self, x, rois, label_pred, mask_pred, img_metas) -> torch.Tensor:
        """The coarse ``mask_pred`` upsampled ``subdivision_steps`` times, its most uncertain cells re-predicted
        after each step (a step whose grid has no more cells than points just upsamples, except the last)."""
        cfg = self.test_cfg
        refined = mask_pred.clone()
        for step in range(cfg.subdivision_steps):
            refined = F.interpolate(refined, scale_factor=cfg.scale_factor, mode='bilinear', align_corners=False)
            num_rois, channels, height, width = refined.shape
            if (cfg.subdivision_num_points >= cfg.scale_factor**2 * height * width
                    and step < cfg.subdivision_steps - 1):
                continue
            point_indices, rel_roi_points = self.point_head.get_roi_rel_points_test(refined, label_pred, cfg=cfg)
            point_pred = self.point_head(self._get_fine_grained_point_feats(x, rois, rel_roi_points, img_metas),
                                         point_sample(mask_pred, rel_roi_points))
            flat = refined.reshape(num_rois, channels, height * width)
            flat.scatter_(2, point_indices.unsqueeze(1).expand(-1, channels, -1), point_pred)
            refined = flat.view(num_rois, channels, height, width)
        return refined

    def simple_test_mask(self, x, img_metas, det_bboxes, det_labels, rescale: bool = False) -> list:
        """Per image, per class, the binary masks of the detections (refined per image)."""
        if all(det.shape[0] == 0 for det in det_bboxes):
            return [[[] for _ in range(self.mask_head.num_classes)] for _ in det_bboxes]
        bboxes, scale_factors = self._test_mask_boxes(det_bboxes, img_metas, rescale)
        rois = bbox2roi(bboxes)
        num_per_img = [len(det) for det in det_bboxes]
        coarse = self._mask_forward(x, rois)['mask_pred'].split(num_per_img, 0)
        refined = []
        for i, (img_rois, img_coarse) in enumerate(zip(rois.split(num_per_img, 0), coarse)):
            img_rois = torch.cat([img_rois.new_zeros(len(img_rois), 1), img_rois[:, 1:]], dim=1)
            refined.append(self._mask_point_forward_test([feat[i:i + 1] for feat in x], img_rois, det_labels[i],
                                                         img_coarse, [img_metas[i]]))
        return self._paste_test_masks(refined, bboxes, det_labels, img_metas, scale_factors, rescale)

    def _stage_mask_probs(self, x, rois, det_labels=None) -> list:
        mask_pred = self._mask_forward(x, rois)['mask_pred']
        return [self._mask_point_forward_test(x, rois, det_labels, mask_pred, [None]).sigmoid().cpu().numpy()]
