"""``LADHead``: PAA's head trained on a teacher's label assignment (LAD, Nguyen et al., 2022)."""
from __future__ import annotations

from ...runner import force_fp32
from ..builder import HEADS
from .paa_head import PAAHead


@HEADS.register_module()
class LADHead(PAAHead):
    """The student's and the teacher's head in LAD: the teacher's :meth:`get_label_assignment` runs PAA's
    assignment on its own predictions; the student learns from it (box loss over the positives' count, not
    IoU-weighted)."""

    @force_fp32(apply_to=('cls_scores', 'bbox_preds', 'iou_preds'))
    def get_label_assignment(self, cls_scores, bbox_preds, iou_preds, gt_bboxes, gt_labels, img_metas,
                             gt_bboxes_ignore=None) -> tuple:
        """mmdet's tuple: labels, label weights and box targets over all anchors, per-image box weights, the
        positives' flat indices and anchors (None without positives), and the number of positives."""
        assignment = self.paa_assignment(cls_scores, bbox_preds, gt_bboxes, gt_labels, img_metas, gt_bboxes_ignore)
        if assignment is None:
            raise ValueError('LAD: an image has no anchor inside it; check the images and allowed_border')
        labels, label_weights, bbox_targets, bbox_weights, anchors, num_pos = assignment
        pos = ((labels >= 0) & (labels < self.num_classes)).nonzero().reshape(-1)
        return labels, label_weights, bbox_targets, bbox_weights, pos, anchors[pos] if num_pos else None, num_pos

    def forward_train(self, x, label_assignment_results, img_metas, gt_bboxes, gt_labels=None,
                      gt_bboxes_ignore=None, **kwargs) -> dict:
        outs = self(x)
        inputs = outs + ((gt_bboxes, img_metas) if gt_labels is None else (gt_bboxes, gt_labels, img_metas))
        return self.loss(*inputs, gt_bboxes_ignore=gt_bboxes_ignore, label_assignment_results=label_assignment_results)

    @force_fp32(apply_to=('cls_scores', 'bbox_preds', 'iou_preds'))
    def loss(self, cls_scores, bbox_preds, iou_preds, gt_bboxes, gt_labels, img_metas, gt_bboxes_ignore=None,
             label_assignment_results=None) -> dict:
        """The losses against the teacher's ``label_assignment_results``."""
        if label_assignment_results is None:
            raise ValueError('LADHead.loss needs the teacher\'s label_assignment_results (train it inside LAD)')
        labels, label_weights, bbox_targets, _, pos, pos_anchors, num_pos = label_assignment_results
        anchors = bbox_targets.new_zeros(bbox_targets.shape)
        if num_pos:
            anchors[pos] = pos_anchors
        return self._assigned_losses(cls_scores, bbox_preds, iou_preds, labels, label_weights, bbox_targets,
                                     anchors, num_pos, len(img_metas), iou_weighted=False)
