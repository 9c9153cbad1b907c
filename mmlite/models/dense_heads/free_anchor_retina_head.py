"""``FreeAnchorRetinaHead``: RetinaNet trained by FreeAnchor's anchor bags instead of fixed IoU assignment."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ...core.bbox import bbox_overlaps
from ...runner import force_fp32
from ..builder import HEADS
from .retina_head import RetinaHead

EPS = 1e-12


@HEADS.register_module()
class FreeAnchorRetinaHead(RetinaHead):
    """FreeAnchor (Zhang et al., 2019): each gt's bag is its ``pre_anchor_topk`` anchors by IoU; the positive bag
    loss rewards the bag's (mean-max weighted) product of class and localisation probabilities
    (``exp(-box loss)``), the negative bag loss is a focal loss pushing each anchor's class probability down
    by how unlikely its decoded box is to match a gt of that class (IoU mapped from ``bbox_thr``..best to 0..1).

    Args:
        pre_anchor_topk: Anchors per gt bag. Defaults to 50.
        bbox_thr: IoU below which a predicted box is no match. Defaults to 0.6.
        gamma / alpha: Focal exponent of the negative loss; weight of the positive loss (the negative gets
            ``1 - alpha``). Defaults to 2.0 / 0.5.
    """

    def __init__(self, num_classes: int, in_channels: int, stacked_convs: int = 4, conv_cfg=None, norm_cfg=None,
                 pre_anchor_topk: int = 50, bbox_thr: float = 0.6, gamma: float = 2.0, alpha: float = 0.5,
                 **kwargs):
        super().__init__(num_classes, in_channels, stacked_convs, conv_cfg, norm_cfg, **kwargs)
        self.pre_anchor_topk, self.bbox_thr, self.gamma, self.alpha = pre_anchor_topk, bbox_thr, gamma, alpha

    @force_fp32(apply_to=('cls_scores', 'bbox_preds'))
    def loss(self, cls_scores, bbox_preds, gt_bboxes, gt_labels, img_metas, gt_bboxes_ignore=None) -> dict:
        """``positive_bag_loss`` (per gt, averaged over the gts) and ``negative_bag_loss`` (per anchor and
        class, averaged over ``gts * pre_anchor_topk``)."""
        featmap_sizes = [featmap.size()[-2:] for featmap in cls_scores]
        anchors = torch.cat(self.prior_generator.grid_priors(featmap_sizes, device=cls_scores[0].device))
        num_imgs = len(img_metas)
        cls_prob = torch.cat([s.permute(0, 2, 3, 1).reshape(num_imgs, -1, self.cls_out_channels)
                              for s in cls_scores], dim=1).sigmoid()
        bbox_preds = torch.cat([p.permute(0, 2, 3, 1).reshape(num_imgs, -1, 4) for p in bbox_preds], dim=1)
        box_prob, positive_losses, num_pos = [], [], 0
        for img_cls_prob, img_bbox_preds, boxes, labels in zip(cls_prob, bbox_preds, gt_bboxes, gt_labels):
            box_prob.append(self._box_prob(anchors, img_bbox_preds, boxes, labels))
            matched = bbox_overlaps(boxes, anchors).topk(self.pre_anchor_topk, dim=1, sorted=False)[1]
            matched_cls_prob = img_cls_prob[matched].gather(
                2, labels.view(-1, 1, 1).expand(-1, self.pre_anchor_topk, 1)).squeeze(2)
            matched_anchors = anchors[matched]
            targets = self.bbox_coder.encode(matched_anchors, boxes[:, None].expand_as(matched_anchors))
            box_loss = self.loss_bbox(img_bbox_preds[matched], targets, reduction_override='none').sum(-1)
            positive_losses.append(self.positive_bag_loss(matched_cls_prob, torch.exp(-box_loss)))
            num_pos += len(boxes)
        positive_loss = torch.cat(positive_losses).sum() / max(1, num_pos)
        if num_pos == 0:
            positive_loss = bbox_preds.sum() * 0
        negative_loss = self.negative_bag_loss(cls_prob, torch.stack(box_prob)).sum() / max(
            1, num_pos * self.pre_anchor_topk)
        return dict(positive_bag_loss=positive_loss, negative_bag_loss=negative_loss)

    @torch.no_grad()
    def _box_prob(self, anchors, bbox_preds, gt_bboxes, gt_labels) -> torch.Tensor:
        """Per anchor and class, the best match probability of its decoded box with a gt of that class."""
        prob = bbox_preds.new_zeros(anchors.size(0), self.cls_out_channels)
        if len(gt_bboxes) == 0:
            return prob
        ious = bbox_overlaps(gt_bboxes, self.bbox_coder.decode(anchors, bbox_preds))
        best = ious.max(dim=1, keepdim=True).values.clamp(min=self.bbox_thr + 1e-12)
        object_prob = ((ious - self.bbox_thr) / (best - self.bbox_thr)).clamp(min=0, max=1)
        index = gt_labels[:, None].expand_as(object_prob)
        return prob.t().scatter_reduce(0, index, object_prob, 'amax').t()

    def positive_bag_loss(self, matched_cls_prob: torch.Tensor, matched_box_prob: torch.Tensor) -> torch.Tensor:
        """Per gt ``(num_gts,)``: ``alpha * -log(mean-max(cls_prob * box_prob))`` over its bag (``(num_gts, k)``
        inputs), the mean-max weighting each anchor by ``1 / (1 - p)``."""
        matched_prob = matched_cls_prob * matched_box_prob
        weight = 1 / torch.clamp(1 - matched_prob, 1e-12, None)
        weight = weight / weight.sum(dim=1, keepdim=True)
        bag_prob = (weight * matched_prob).sum(dim=1)
        return self.alpha * F.binary_cross_entropy(bag_prob, torch.ones_like(bag_prob), reduction='none')

    def negative_bag_loss(self, cls_prob: torch.Tensor, box_prob: torch.Tensor) -> torch.Tensor:
        """Per image, anchor and class: ``(1 - alpha) * FL(cls_prob * (1 - box_prob))`` towards 0."""
        prob = (cls_prob * (1 - box_prob)).clamp(min=EPS, max=1 - EPS)
        return (1 - self.alpha) * prob ** self.gamma * F.binary_cross_entropy(prob, torch.zeros_like(prob),
                                                                              reduction='none')
