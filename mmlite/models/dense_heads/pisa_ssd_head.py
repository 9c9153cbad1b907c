"""``PISASSDHead``: SSD with PISA's positive reweighting and classification-aware regression loss."""
from __future__ import annotations

import torch

from ...core.utils import multi_apply
from ...runner import force_fp32
from ..builder import HEADS
from ..losses import CrossEntropyLoss, SmoothL1Loss
from ..losses.pisa_loss import carl_loss, isr_p
from .ssd_head import SSDHead


@HEADS.register_module()
class PISASSDHead(SSDHead):
    """SSD (PISA, Cao et al., 2020): ``train_cfg.isr`` reweights the positives with a plain softmax
    cross-entropy, ``train_cfg.carl`` adds ``loss_carl`` on a smooth L1 (beta 1) box loss, as mmdet."""

    extra_train_cfg_keys = SSDHead.extra_train_cfg_keys | {'isr', 'carl'}

    @force_fp32(apply_to=('cls_scores', 'bbox_preds'))
    def loss(self, cls_scores, bbox_preds, gt_bboxes, gt_labels, img_metas, gt_bboxes_ignore=None) -> dict:
        """Per image ``loss_cls`` and ``loss_bbox`` (and ``loss_carl``)."""
        flat = self._image_targets(cls_scores, bbox_preds, gt_bboxes, gt_labels, img_metas, gt_bboxes_ignore)
        if flat is None:
            return None
        scores, preds, anchors, labels, label_weights, bbox_targets, bbox_weights, num_pos, sampling_results = flat
        targets = (labels.view(-1), label_weights.view(-1), bbox_targets.view(-1, 4), bbox_weights.view(-1, 4))
        if self.train_cfg.get('isr') is not None:
            targets = isr_p(scores.view(-1, scores.size(-1)), preds.view(-1, 4), targets, torch.cat(anchors),
                            sampling_results, loss_cls=CrossEntropyLoss(), bbox_coder=self.bbox_coder,
                            **self.train_cfg.isr, num_class=self.num_classes)
            labels, label_weights = targets[0].view(labels.shape), targets[1].view(label_weights.shape)
            bbox_targets, bbox_weights = targets[2].view(bbox_targets.shape), targets[3].view(bbox_weights.shape)
        losses_cls, losses_bbox = multi_apply(self.loss_single, scores, preds, anchors, labels, label_weights,
                                              bbox_targets, bbox_weights, num_total_samples=num_pos)
        losses = dict(loss_cls=losses_cls, loss_bbox=losses_bbox)
        if self.train_cfg.get('carl') is not None:
            losses.update(carl_loss(scores.view(-1, scores.size(-1)), targets[0], preds.view(-1, 4), targets[2],
                                    SmoothL1Loss(beta=1.), **self.train_cfg.carl, avg_factor=num_pos,
                                    num_class=self.num_classes))
        return losses
