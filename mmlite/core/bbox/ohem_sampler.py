"""``OHEMSampler``: online hard example mining (mmdet's ``faster_rcnn_r50_fpn_ohem_1x_coco``)."""
from __future__ import annotations

import torch

from .builder import BBOX_SAMPLERS
from .sample import BaseSampler
from .transforms import bbox2roi


@BBOX_SAMPLERS.register_module()
class OHEMSampler(BaseSampler):
    """Keep the candidates the RoI head currently gets most wrong: when there are more positives
    (negatives) than wanted, the ones with the highest ``loss_key`` loss, computed without gradients by
    the head that builds this sampler (``context``, given by the RoI head)."""

    def __init__(self, num: int, pos_fraction: float, context, neg_pos_ub: int = -1,
                 add_gt_as_proposals: bool = True, loss_key: str = 'loss_cls', **kwargs):
        super().__init__(num, pos_fraction, neg_pos_ub, add_gt_as_proposals)
        self.context = context
        if hasattr(context, 'num_stages'):
            self.bbox_head = context.bbox_head[context.current_stage]
        else:
            self.bbox_head = context.bbox_head
        self.loss_key = loss_key

    def hard_mining(self, inds: torch.Tensor, num_expected: int, bboxes: torch.Tensor, labels: torch.Tensor,
                    feats) -> torch.Tensor:
        """The ``num_expected`` of ``inds`` whose boxes have the highest loss."""
        if feats is None:
            raise ValueError('OHEMSampler needs the image features: call sample(..., feats=...) as the RoI head does')
        with torch.no_grad():
            rois = bbox2roi([bboxes])
            if hasattr(self.context, 'num_stages'):
                results = self.context._bbox_forward(self.context.current_stage, feats, rois)
            else:
                results = self.context._bbox_forward(feats, rois)
            cls_score = results['cls_score']
            loss = self.bbox_head.loss(cls_score=cls_score, bbox_pred=None, rois=rois, labels=labels,
                                       label_weights=cls_score.new_ones(cls_score.size(0)), bbox_targets=None,
                                       bbox_weights=None, reduction_override='none')[self.loss_key]
            _, top = loss.topk(num_expected)
        return inds[top]

    def _sample_pos(self, assign_result, num_expected, bboxes=None, feats=None, **kwargs):
        pos_inds = torch.nonzero(assign_result.gt_inds > 0, as_tuple=False).flatten()
        if pos_inds.numel() <= num_expected:
            return pos_inds
        return self.hard_mining(pos_inds, num_expected, bboxes[pos_inds], assign_result.labels[pos_inds], feats)

    def _sample_neg(self, assign_result, num_expected, bboxes=None, feats=None, **kwargs):
        neg_inds = torch.nonzero(assign_result.gt_inds == 0, as_tuple=False).flatten()
        if neg_inds.numel() <= num_expected:
            return neg_inds
        background = assign_result.labels.new_full((neg_inds.numel(), ), self.bbox_head.num_classes)
        return self.hard_mining(neg_inds, num_expected, bboxes[neg_inds], background, feats)
