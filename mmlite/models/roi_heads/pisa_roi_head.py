"""``PISARoIHead``: Faster/Mask R-CNN's second stage with PISA's prime-sample weighting."""
from __future__ import annotations

from ...core.bbox import bbox2roi
from ..builder import HEADS
from ..losses.pisa_loss import carl_loss, isr_p
from .standard_roi_head import StandardRoIHead


@HEADS.register_module()
class PISARoIHead(StandardRoIHead):
    """PISA (Cao et al., 2020): negatives weighted by a sampler that returns label weights (``ScoreHLRSampler``),
    positives reweighted by ``train_cfg.isr`` (:func:`isr_p`), plus the ``loss_carl`` of ``train_cfg.carl``."""

    extra_train_cfg_keys = frozenset({'isr', 'carl'})

    def forward_train(self, x, img_metas, proposal_list, gt_bboxes, gt_labels, gt_bboxes_ignore=None,
                      gt_masks=None, **kwargs) -> dict:
        gt_bboxes_ignore = gt_bboxes_ignore or [None] * len(img_metas)
        sampling_results, neg_label_weights = [], []
        for i, proposals in enumerate(proposal_list):
            assign_result = self.bbox_assigner.assign(proposals, gt_bboxes[i], gt_bboxes_ignore[i], gt_labels[i])
            result = self.bbox_sampler.sample(assign_result, proposals, gt_bboxes[i], gt_labels[i],
                                              feats=[level[i][None] for level in x])
            result, weights = result if isinstance(result, tuple) else (result, None)
            sampling_results.append(result)
            neg_label_weights.append(weights)
        return self._branch_losses(x, img_metas, sampling_results, gt_bboxes, gt_labels, gt_masks,
                                   neg_label_weights=neg_label_weights)

    def _bbox_forward_train(self, x, sampling_results, gt_bboxes, gt_labels, img_metas,
                            neg_label_weights=None) -> dict:
        rois = bbox2roi([res.bboxes for res in sampling_results])
        bbox_results = self._bbox_forward(x, rois)
        targets = self.bbox_head.get_targets(sampling_results, gt_bboxes, gt_labels, self.train_cfg)
        if neg_label_weights and neg_label_weights[0] is not None:
            label_weights, start = targets[1], 0
            for result, weights in zip(sampling_results, neg_label_weights):
                num_pos, num_neg = len(result.pos_inds), len(result.neg_inds)
                label_weights[start + num_pos:start + num_pos + num_neg] = weights
                start += num_pos + num_neg
        cls_score, bbox_pred = bbox_results['cls_score'], bbox_results['bbox_pred']
        if self.train_cfg.get('isr') is not None:
            targets = isr_p(cls_score, bbox_pred, targets, rois, sampling_results, self.bbox_head.loss_cls,
                            self.bbox_head.bbox_coder, **self.train_cfg.isr, num_class=self.bbox_head.num_classes)
        losses = self.bbox_head.loss(cls_score, bbox_pred, rois, *targets)
        if self.train_cfg.get('carl') is not None:
            losses.update(carl_loss(cls_score, targets[0], bbox_pred, targets[2], self.bbox_head.loss_bbox,
                                    **self.train_cfg.carl, num_class=self.bbox_head.num_classes))
        bbox_results.update(loss_bbox=losses)
        return bbox_results
