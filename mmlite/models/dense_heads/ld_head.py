"""``LDHead``: GFL's head trained with localization distillation (Zheng et al., 2022): at the positives, the
student's edge distributions also follow the teacher's (softened KL)."""
from __future__ import annotations

from ...core.utils import multi_apply, reduce_mean
from ...runner import force_fp32
from ..builder import HEADS, build_loss
from .gfl_head import GFLHead


@HEADS.register_module()
class LDHead(GFLHead):
    """GFLHead plus ``loss_ld`` (a ``KnowledgeDistillationKLDivLoss`` between the student's and the teacher's
    box-edge distributions at the positives, weighted like ``loss_dfl``). Trained by
    ``KnowledgeDistillationSingleStageDetector``, which passes the teacher's head outputs."""

    def __init__(self, num_classes: int, in_channels: int,
                 loss_ld=dict(type='LocalizationDistillationLoss', loss_weight=0.25, T=10),  # noqa: B006
                 **kwargs):
        super().__init__(num_classes, in_channels, **kwargs)
        self.loss_ld = build_loss(loss_ld)

    def loss_single(self, anchors, cls_score, bbox_pred, labels, label_weights, bbox_targets, stride,
                    soft_targets, num_total_samples):
        """GFLHead's level losses and weight sum, with this level's ``loss_ld`` before the sum."""
        loss_cls, loss_bbox, loss_dfl, weight_sum = super().loss_single(
            anchors, cls_score, bbox_pred, labels, label_weights, bbox_targets, stride, num_total_samples)
        labels = labels.reshape(-1)
        pos_inds = ((labels >= 0) & (labels < self.num_classes)).nonzero().squeeze(1)
        if len(pos_inds) == 0:
            return loss_cls, loss_bbox, loss_dfl, bbox_pred.sum() * 0, weight_sum
        bins = self.reg_max + 1
        weight = cls_score.detach().permute(0, 2, 3, 1).reshape(-1, self.cls_out_channels).sigmoid().max(dim=1)[0]
        pred_corners = bbox_pred.permute(0, 2, 3, 1).reshape(-1, 4 * bins)[pos_inds].reshape(-1, bins)
        soft_corners = soft_targets.permute(0, 2, 3, 1).reshape(-1, 4 * bins)[pos_inds].reshape(-1, bins)
        loss_ld = self.loss_ld(pred_corners, soft_corners, weight=weight[pos_inds][:, None].expand(-1, 4).reshape(-1),
                               avg_factor=4.0)
        return loss_cls, loss_bbox, loss_dfl, loss_ld, weight_sum

    def forward_train(self, x, out_teacher, img_metas, gt_bboxes, gt_labels=None, gt_bboxes_ignore=None,
                      proposal_cfg=None, **kwargs):
        """Losses against the ground truth and the teacher's box distributions (``out_teacher[1]``)."""
        outs = self(x)
        soft_target = out_teacher[1]
        inputs = outs + ((gt_bboxes, soft_target, img_metas) if gt_labels is None else
                         (gt_bboxes, gt_labels, soft_target, img_metas))
        losses = self.loss(*inputs, gt_bboxes_ignore=gt_bboxes_ignore)
        if proposal_cfg is None:
            return losses
        return losses, self.get_bboxes(*outs, img_metas=img_metas, cfg=proposal_cfg)

    @force_fp32(apply_to=('cls_scores', 'bbox_preds'))
    def loss(self, cls_scores, bbox_preds, gt_bboxes, gt_labels, soft_target, img_metas,
             gt_bboxes_ignore=None) -> dict:
        """Per level ``loss_cls``, ``loss_bbox``, ``loss_dfl`` (the two normalised by all positives' weights, as
        mmdet without a floor of 1) and ``loss_ld``."""
        targets = self._level_targets(cls_scores, gt_bboxes, gt_labels, img_metas, gt_bboxes_ignore)
        if targets is None:
            return None
        all_anchors, labels, label_weights, bbox_targets, num_total_samples = targets
        losses_cls, losses_bbox, losses_dfl, losses_ld, weight_sums = multi_apply(
            self.loss_single, all_anchors, cls_scores, bbox_preds, labels, label_weights, bbox_targets,
            self.prior_generator.strides, soft_target, num_total_samples=num_total_samples)
        avg_factor = reduce_mean(sum(weight_sums) + 1e-6)
        return dict(loss_cls=losses_cls, loss_bbox=[loss / avg_factor for loss in losses_bbox],
                    loss_dfl=[loss / avg_factor for loss in losses_dfl], loss_ld=losses_ld)
