"""``GridRoIHead``: Grid R-CNN's second stage: classify the RoIs, then place their borders by grid points."""
from __future__ import annotations

import numpy as np
import torch

from ...core.bbox import bbox2result, bbox2roi
from ..builder import HEADS, build_head, build_roi_extractor
from .standard_roi_head import StandardRoIHead


@HEADS.register_module()
class GridRoIHead(StandardRoIHead):
    """A classification-only box head (``with_reg=False``) and a :class:`GridHead` on ``grid_roi_extractor``'s
    features (the box extractor's when None). Training: the grid head learns from the positives jittered by up
    to 15% of their size, at most ``train_cfg.max_num_grid`` (192) of them, with targets of ``pos_radius``.
    Testing: the detections' borders are replaced by the grid head's.
    """

    extra_train_cfg_keys = frozenset({'pos_radius', 'max_num_grid'})

    def __init__(self, grid_roi_extractor, grid_head, **kwargs):
        if grid_head is None:
            raise ValueError('GridRoIHead needs a grid_head')
        super().__init__(**kwargs)
        self.share_roi_extractor = grid_roi_extractor is None
        self.grid_roi_extractor = (self.bbox_roi_extractor if self.share_roi_extractor
                                   else build_roi_extractor(grid_roi_extractor))
        self.grid_head = build_head(grid_head)

    @staticmethod
    def _random_jitter(sampling_results, img_metas, amplitude: float = 0.15):
        """Shift and scale each positive RoI by uniform draws in ``[-amplitude, amplitude]`` of its size
        (clipped to the image), in place."""
        for result, meta in zip(sampling_results, img_metas):
            boxes = result.pos_bboxes
            offsets = boxes.new_empty(boxes.shape[0], 4).uniform_(-amplitude, amplitude)
            centre, size = (boxes[:, 2:4] + boxes[:, :2]) / 2, (boxes[:, 2:4] - boxes[:, :2]).abs()
            new_centre, new_size = centre + size * offsets[:, :2], size * (1 + offsets[:, 2:])
            jittered = torch.cat([new_centre - new_size / 2, new_centre + new_size / 2], dim=1)
            if meta['img_shape'] is not None:
                jittered[:, 0::2].clamp_(min=0, max=meta['img_shape'][1] - 1)
                jittered[:, 1::2].clamp_(min=0, max=meta['img_shape'][0] - 1)
            result.pos_bboxes = jittered
        return sampling_results

    def _grid_feats(self, x, rois):
        feats = self.grid_roi_extractor(x[:self.grid_roi_extractor.num_inputs], rois)
        return self.shared_head(feats) if self.with_shared_head else feats

    def forward_dummy(self, x, proposals):
        outs = super().forward_dummy(x, proposals)
        rois = bbox2roi([proposals])[:100]
        return outs[:2] + (self.grid_head(self._grid_feats(x, rois)), ) + outs[2:]

    def _bbox_forward_train(self, x, sampling_results, gt_bboxes, gt_labels, img_metas) -> dict:
        """The box losses plus ``loss_grid``."""
        bbox_results = super()._bbox_forward_train(x, sampling_results, gt_bboxes, gt_labels, img_metas)
        sampling_results = self._random_jitter(sampling_results, img_metas)
        pos_rois = bbox2roi([res.pos_bboxes for res in sampling_results])
        if pos_rois.shape[0] == 0:
            return bbox_results
        grid_feats = self._grid_feats(x, pos_rois)
        sample = torch.randperm(grid_feats.shape[0])[:min(grid_feats.shape[0],
                                                          self.train_cfg.get('max_num_grid', 192))]
        grid_pred = self.grid_head(grid_feats[sample.to(grid_feats.device)])
        grid_targets = self.grid_head.get_targets(sampling_results, self.train_cfg)[sample.to(grid_feats.device)]
        bbox_results['loss_bbox'].update(self.grid_head.loss(grid_pred, grid_targets))
        return bbox_results

    def simple_test(self, x, proposal_list, img_metas, proposals=None, rescale: bool = False) -> list:
        """Per image per-class ``(n, 5)`` arrays with grid-refined boxes (and masks)."""
        if not self.with_bbox:
            raise RuntimeError('GridRoIHead.simple_test needs a bbox_head')
        det_bboxes, det_labels = self.simple_test_bboxes(x, img_metas, proposal_list, self.test_cfg, rescale=False)
        num_classes = self.bbox_head.num_classes
        grid_rois = bbox2roi([dets[:, :4] for dets in det_bboxes])
        if grid_rois.shape[0] == 0:
            bbox_results = [[np.zeros((0, 5), dtype=np.float32) for _ in range(num_classes)] for _ in det_bboxes]
        else:
            fused = self.grid_head(self._grid_feats(x, grid_rois))['fused'].split([len(d) for d in det_bboxes], 0)
            bbox_results = []
            for dets, labels, pred, meta in zip(det_bboxes, det_labels, fused, img_metas):
                if dets.shape[0] == 0:
                    bbox_results.append([np.zeros((0, 5), dtype=np.float32) for _ in range(num_classes)])
                    continue
                refined = self.grid_head.get_bboxes(dets, pred, [meta])
                if rescale:
                    refined[:, :4] /= refined.new_tensor(meta['scale_factor'])
                bbox_results.append(bbox2result(refined, labels, num_classes))
        if not self.with_mask:
            return bbox_results
        segm_results = self.simple_test_mask(x, img_metas, det_bboxes, det_labels, rescale=rescale)
        return list(zip(bbox_results, segm_results))
