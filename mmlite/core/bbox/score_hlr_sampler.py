"""``ScoreHLRSampler``: PISA's negative sampling by score hierarchical local rank (ISR-N)."""
from __future__ import annotations

import torch

from ...ops import nms_match
from .assign import AssignResult
from .builder import BBOX_SAMPLERS
from .sample import RandomSampler, SamplingResult
from .transforms import bbox2roi


@BBOX_SAMPLERS.register_module()
class ScoreHLRSampler(RandomSampler):
    """Positives at random; negatives by importance: the current box head scores the negatives, those whose best
    foreground score exceeds ``score_thr`` are grouped by NMS matching (``iou_thr``) of their predicted boxes and
    ranked first within their group, then across groups (Score-HLR); the top ones are kept (random others fill
    up) and weighted ``(bias + (1 - bias) * (up - rank) / up) ** k``, rescaled to keep the negatives' summed loss.
    ``sample`` returns ``(SamplingResult, negative label weights)``.

    Args:
        num / pos_fraction / neg_pos_ub / add_gt_as_proposals: As :class:`RandomSampler`.
        context: The RoI head (its ``_bbox_forward``, ``bbox_head``).
        k / bias: The weight mapping. score_thr / iou_thr: Negatives considered, and their grouping.
    """

    def __init__(self, num: int, pos_fraction: float, context, neg_pos_ub: int = -1,
                 add_gt_as_proposals: bool = True, k: float = 0.5, bias: float = 0, score_thr: float = 0.05,
                 iou_thr: float = 0.5, **kwargs):
        super().__init__(num, pos_fraction, neg_pos_ub, add_gt_as_proposals)
        self.k, self.bias, self.score_thr, self.iou_thr = k, bias, score_thr, iou_thr
        self.context = context
        stage = getattr(context, 'current_stage', None) if hasattr(context, 'num_stages') else None
        self.bbox_head = context.bbox_head if stage is None else context.bbox_head[stage]

    def _sample_neg(self, assign_result: AssignResult, num_expected: int, bboxes=None, feats=None, **kwargs):
        neg_inds = (assign_result.gt_inds == 0).nonzero().flatten()
        num_neg = neg_inds.size(0)
        if num_neg == 0:
            return neg_inds, None
        with torch.no_grad():
            neg_rois = bbox2roi([bboxes[neg_inds]])
            results = self.context._bbox_forward(feats, neg_rois)
            cls_score, bbox_pred = results['cls_score'], results['bbox_pred']
            background = neg_inds.new_full((num_neg, ), self.bbox_head.num_classes)
            ori_loss = self.bbox_head.loss(cls_score, None, None, background, cls_score.new_ones(num_neg), None, None,
                                           reduction_override='none')['loss_cls']
            max_score, argmax_score = cls_score.softmax(-1)[:, :-1].max(-1)
            valid = (max_score > self.score_thr).nonzero().view(-1)
            invalid = (max_score <= self.score_thr).nonzero().view(-1)
            num_expected = min(num_neg, num_expected)
            num_hlr = min(len(valid), num_expected)
            if len(valid) == 0:
                return neg_inds[torch.randperm(num_neg)[:num_expected]], cls_score.new_ones(num_expected)
            deltas = bbox_pred[valid].view(len(valid), -1, 4)[torch.arange(len(valid)), argmax_score[valid]]
            boxes = self.bbox_head.bbox_coder.decode(neg_rois[valid, 1:], deltas)
            importance = cls_score.new_zeros(len(valid))
            for group in nms_match(torch.cat([boxes, max_score[valid, None]], -1), self.iou_thr):
                importance[group] = len(valid) - torch.arange(len(group), device=group.device) + max_score[valid][group]
            order = importance.sort(descending=True)[1]
            ranks = order.sort()[1]
            hlr = order[:num_expected]
            selected = valid[hlr]
            if num_expected > num_hlr:
                selected = torch.cat([selected, invalid[torch.randperm(len(invalid))[:num_expected - num_hlr]]])
            up = max(num_expected, len(valid))
            rank_weights = (up - ranks[hlr].float()) / up
            weights = cls_score.new_ones(num_expected)
            weights[:num_hlr] = rank_weights
            weights[num_hlr:] = rank_weights.min()
            weights = (self.bias + (1 - self.bias) * weights).pow(self.k)
            weights = weights * (ori_loss[selected].sum() / (ori_loss[selected] * weights).sum())
            return neg_inds[selected], weights

    def sample(self, assign_result: AssignResult, bboxes: torch.Tensor, gt_bboxes: torch.Tensor,
               gt_labels: torch.Tensor | None = None, img_meta=None, **kwargs) -> tuple:
        bboxes = bboxes[:, :4]
        gt_flags = bboxes.new_zeros((bboxes.shape[0], ), dtype=torch.uint8)
        if self.add_gt_as_proposals:
            bboxes = torch.cat([gt_bboxes, bboxes], dim=0)
            assign_result.add_gt_(gt_labels)
            gt_flags = torch.cat([bboxes.new_ones(gt_bboxes.shape[0], dtype=torch.uint8), gt_flags])
        pos_inds = self._sample_pos(assign_result, int(self.num * self.pos_fraction))
        num_expected_neg = self.num - pos_inds.numel()
        if self.neg_pos_ub >= 0:
            num_expected_neg = min(num_expected_neg, int(self.neg_pos_ub * max(1, pos_inds.numel())))
        neg_inds, neg_label_weights = self._sample_neg(assign_result, num_expected_neg, bboxes=bboxes, **kwargs)
        return SamplingResult(pos_inds, neg_inds, bboxes, gt_bboxes, assign_result, gt_flags), neg_label_weights
