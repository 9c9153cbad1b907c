"""``AutoAssignHead``: AutoAssign (Zhu et al., 2020): label assignment learnt as positive and negative weights
of every point inside a box, with a learnt per-class centre prior."""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from ...cnn import bias_init_with_prob, normal_init
from ...core.anchor import MlvlPointGenerator
from ...core.bbox import bbox_overlaps
from ...core.utils import multi_apply, reduce_mean
from ...runner import force_fp32
from ..builder import HEADS
from .fcos_head import FCOSHead
from .paa_head import levels_to_images

EPS = 1e-12


class CenterPrior(nn.Module):
    """A learnt Gaussian prior (per-class mean offset and sigma, in strides) of where inside its box an object's
    points lie; points outside the box weigh 0 (``force_topk``: boxes without any point inside take the
    ``topk`` points of highest prior)."""

    def __init__(self, force_topk: bool = False, topk: int = 9, num_classes: int = 80, strides=(8, 16, 32, 64, 128)):
        super().__init__()
        self.mean = nn.Parameter(torch.zeros(num_classes, 2))
        self.sigma = nn.Parameter(torch.ones(num_classes, 2))
        self.strides, self.force_topk, self.topk = strides, force_topk, topk

    def forward(self, anchor_points_list, gt_bboxes, labels, inside_gt_bbox_mask) -> tuple:
        """``(points, gts)`` prior weights and the (possibly extended) inside mask."""
        inside_gt_bbox_mask = inside_gt_bbox_mask.clone()
        num_points = sum(len(points) for points in anchor_points_list)
        if len(labels) == 0:
            return gt_bboxes.new_zeros(num_points, 0), inside_gt_bbox_mask
        centers = torch.stack(((gt_bboxes[:, 0] + gt_bboxes[:, 2]) / 2, (gt_bboxes[:, 1] + gt_bboxes[:, 3]) / 2), 1)
        priors = []
        for points, stride in zip(anchor_points_list, self.strides):
            distance = ((points[:, None, :] - centers[None]) / float(stride) - self.mean[labels][None])**2
            priors.append(torch.exp(-distance / (2 * self.sigma[labels][None]**2)).prod(dim=-1))
        weights = torch.cat(priors, dim=0)
        if self.force_topk:
            empty = torch.nonzero(inside_gt_bbox_mask.sum(0) == 0).reshape(-1)
            if empty.numel():
                topk = weights[:, empty].topk(self.topk, dim=0)[1]
                inside_gt_bbox_mask[:, empty] = torch.scatter(inside_gt_bbox_mask[:, empty], 0, topk,
                                                              torch.ones_like(topk, dtype=torch.bool))
        weights[~inside_gt_bbox_mask] = 0
        return weights, inside_gt_bbox_mask


@HEADS.register_module()
class AutoAssignHead(FCOSHead):
    """FCOS's towers (biased convs) whose centerness branch is AutoAssign's objectness; boxes (side distances,
    non-negative, times the stride) from points at cell corners. Losses: ``loss_pos`` (confidence-weighted
    positives per object), ``loss_neg`` (IoU-weighted negatives), ``loss_center`` (the prior's mass).

    Args:
        force_topk / topk: See :class:`CenterPrior`.
        pos_loss_weight / neg_loss_weight / center_loss_weight: Loss weights (0.25 / 0.75 / 0.75).
    """

    required_train_cfg_keys = ()

    def __init__(self, *args, force_topk: bool = False, topk: int = 9, pos_loss_weight: float = 0.25,
                 neg_loss_weight: float = 0.75, center_loss_weight: float = 0.75, **kwargs):
        super().__init__(*args, conv_bias=True, **kwargs)
        self.center_prior = CenterPrior(force_topk=force_topk, topk=topk, num_classes=self.num_classes,
                                        strides=self.strides)
        self.pos_loss_weight, self.neg_loss_weight = pos_loss_weight, neg_loss_weight
        self.center_loss_weight = center_loss_weight
        self.prior_generator = MlvlPointGenerator(self.strides, offset=0)

    def init_weights(self) -> None:
        super().init_weights()
        normal_init(self.conv_cls, std=0.01, bias=bias_init_with_prob(0.02))
        normal_init(self.conv_reg, std=0.01, bias=4.0)

    def forward_single(self, x, scale, stride) -> tuple:
        cls_score, bbox_pred, cls_feat, reg_feat = super(FCOSHead, self).forward_single(x)
        return cls_score, scale(bbox_pred).float().clamp(min=0) * stride, self.conv_centerness(reg_feat)

    def get_pos_loss_single(self, cls_score, objectness, reg_loss, gt_labels, center_prior_weights) -> tuple:
        p_pos = (cls_score * objectness)[:, gt_labels] * torch.exp(-reg_loss)
        weight = torch.exp(p_pos * 3) * center_prior_weights
        p_pos_weight = weight / weight.sum(0, keepdim=True).clamp(min=EPS)
        reweighted = (p_pos * p_pos_weight).sum(0)
        loss = F.binary_cross_entropy(reweighted, torch.ones_like(reweighted), reduction='none')
        return (loss.sum() * self.pos_loss_weight, )

    def get_neg_loss_single(self, cls_score, objectness, gt_labels, ious, inside_gt_bbox_mask) -> tuple:
        joint_conf = cls_score * objectness
        p_neg_weight = torch.ones_like(joint_conf)
        if len(gt_labels) > 0:
            gt_idx, point_idx = torch.nonzero(inside_gt_bbox_mask.t(), as_tuple=True)
            weight = 1 / (1 - ious.t()[gt_idx, point_idx]).clamp_(EPS)
            for instance in range(len(gt_labels)):  # min-max normalised per object
                idxs = gt_idx == instance
                if idxs.any():
                    values = weight[idxs]
                    weight[idxs] = (values - values.min() + EPS) / (values.max() - values.min() + EPS)
            p_neg_weight[point_idx, gt_labels[gt_idx]] = 1 - weight
        logits = joint_conf * p_neg_weight
        loss = logits**2 * F.binary_cross_entropy(logits, torch.zeros_like(logits), reduction='none')
        return (loss.sum() * self.neg_loss_weight, )

    def _reg_losses_and_ious(self, bbox_preds, bbox_targets_list, inside_masks, points) -> tuple:
        """Per image, the box loss of every (point, object) pair and each point's best IoU (inside boxes)."""
        reg_losses, ious_list = [], []
        num_points = len(points)
        for bbox_pred, targets, inside in zip(bbox_preds, bbox_targets_list, inside_masks):
            num_gt = targets.shape[1]
            expanded_points = points[:, None, :].expand(num_points, num_gt, 2).reshape(-1, 2)
            decoded_preds = self.bbox_coder.decode(expanded_points,
                                                   bbox_pred[:, None, :].expand(num_points, num_gt, 4).reshape(-1, 4))
            decoded_targets = self.bbox_coder.decode(expanded_points, targets.reshape(-1, 4))
            with torch.no_grad():
                ious = bbox_overlaps(decoded_preds, decoded_targets, is_aligned=True).reshape(num_points, num_gt)
                ious = ious.max(dim=-1, keepdim=True).values.repeat(1, num_gt) if num_gt else ious.new_zeros(
                    num_points, 0)
                ious[~inside] = 0
                ious_list.append(ious)
            reg_losses.append(self.loss_bbox(decoded_preds, decoded_targets, weight=None,
                                             reduction_override='none').reshape(num_points, num_gt))
        return reg_losses, ious_list

    @force_fp32(apply_to=('cls_scores', 'bbox_preds', 'objectnesses'))
    def loss(self, cls_scores, bbox_preds, objectnesses, gt_bboxes, gt_labels, img_metas,
             gt_bboxes_ignore=None) -> dict:
        """``loss_pos``, ``loss_neg`` and ``loss_center``."""
        if not len(cls_scores) == len(bbox_preds) == len(objectnesses):
            raise ValueError('AutoAssignHead.loss: one classification, box and objectness map per level')
        all_num_gt = sum(len(boxes) for boxes in gt_bboxes)
        level_points = self.prior_generator.grid_priors([score.shape[-2:] for score in cls_scores],
                                                        dtype=bbox_preds[0].dtype, device=bbox_preds[0].device)
        inside_masks, bbox_targets_list = self.get_targets(level_points, gt_bboxes)
        priors = [self.center_prior(level_points, boxes, labels, inside)
                  for boxes, labels, inside in zip(gt_bboxes, gt_labels, inside_masks)]
        prior_weights, inside_masks = [p[0] for p in priors], [p[1] for p in priors]
        reg_losses, ious_list = self._reg_losses_and_ious(levels_to_images(bbox_preds), bbox_targets_list,
                                                          inside_masks, torch.cat(level_points, dim=0))
        cls_scores = [score.sigmoid() for score in levels_to_images(cls_scores)]
        objectnesses = [obj.sigmoid() for obj in levels_to_images(objectnesses)]
        pos_losses, = multi_apply(self.get_pos_loss_single, cls_scores, objectnesses, reg_losses, gt_labels,
                                  prior_weights)
        pos_loss = sum(pos_losses) / reduce_mean(bbox_preds[0].new_tensor(all_num_gt)).clamp_(min=1)
        neg_losses, = multi_apply(self.get_neg_loss_single, cls_scores, objectnesses, gt_labels, ious_list,
                                  inside_masks)
        neg_avg_factor = reduce_mean(sum(w.data.sum() for w in prior_weights)).clamp_(min=1)
        neg_loss = sum(neg_losses) / neg_avg_factor
        center_loss = torch.stack([
            len(gt_bboxes[i]) / prior_weights[i].sum().clamp_(min=EPS) if inside_masks[i].any()
            else prior_weights[i].sum() * 0 for i in range(len(img_metas))]).mean() * self.center_loss_weight
        if all_num_gt == 0:  # keep every parameter in the graph
            pos_loss = bbox_preds[0].sum() * 0
            center_loss = (objectnesses[0].sum() * 0 + self.center_prior.mean.sum() * 0
                           + self.center_prior.sigma.sum() * 0)
        return dict(loss_pos=pos_loss, loss_neg=neg_loss, loss_center=center_loss)

    def get_targets(self, points, gt_bboxes_list) -> tuple:
        """Per image, which points lie inside which boxes, and their ``(left, top, right, bottom)`` distances."""
        concat_points = torch.cat(points, dim=0)
        return multi_apply(self._get_target_single, gt_bboxes_list, points=concat_points)

    def _get_target_single(self, gt_bboxes, points) -> tuple:
        xs, ys = points[:, 0, None], points[:, 1, None]
        boxes = gt_bboxes[None].expand(points.shape[0], gt_bboxes.shape[0], 4)
        targets = torch.stack((xs - boxes[..., 0], ys - boxes[..., 1], boxes[..., 2] - xs, boxes[..., 3] - ys), -1)
        if gt_bboxes.shape[0]:
            return targets.min(-1)[0] > 0, targets
        return targets.new_zeros((points.shape[0], 0), dtype=torch.bool), targets
