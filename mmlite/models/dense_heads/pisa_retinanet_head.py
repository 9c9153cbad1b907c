"""``PISARetinaHead``: RetinaNet with PISA's positive reweighting and classification-aware regression loss."""
from __future__ import annotations

import torch

from ...runner import force_fp32
from ..builder import HEADS
from ..losses.pisa_loss import carl_loss, isr_p
from .retina_head import RetinaHead


@HEADS.register_module()
class PISARetinaHead(RetinaHead):
    """RetinaNet (PISA, Cao et al., 2020): ``train_cfg.isr`` reweights the positives (:func:`isr_p`),
    ``train_cfg.carl`` adds ``loss_carl``; losses over all levels at once."""

    extra_train_cfg_keys = frozenset({'isr', 'carl'})

    @force_fp32(apply_to=('cls_scores', 'bbox_preds'))
    def loss(self, cls_scores, bbox_preds, gt_bboxes, gt_labels, img_metas, gt_bboxes_ignore=None) -> dict:
        """``loss_cls``, ``loss_bbox`` (and ``loss_carl``)."""
        featmap_sizes = [featmap.size()[-2:] for featmap in cls_scores]
        anchor_list, valid_flag_list = self.get_anchors(featmap_sizes, img_metas, device=cls_scores[0].device)
        targets = self.get_targets(anchor_list, valid_flag_list, gt_bboxes, img_metas,
                                   gt_bboxes_ignore_list=gt_bboxes_ignore, gt_labels_list=gt_labels,
                                   label_channels=self.cls_out_channels if self.use_sigmoid_cls else 1,
                                   return_sampling_results=True)
        if targets is None:
            raise ValueError('PISARetinaHead: an image has no anchor inside it (img_shape smaller than every anchor?)')
        labels, label_weights, bbox_targets, bbox_weights, num_pos, num_neg, sampling_results = targets
        num_total_samples = num_pos + num_neg if self.sampling else num_pos
        num_imgs = len(img_metas)
        scores = torch.cat([s.permute(0, 2, 3, 1).reshape(num_imgs, -1, self.cls_out_channels) for s in cls_scores],
                           1).reshape(-1, self.cls_out_channels)
        preds = torch.cat([p.permute(0, 2, 3, 1).reshape(num_imgs, -1, 4) for p in bbox_preds], 1).reshape(-1, 4)
        flat = [torch.cat(levels, 1).reshape(-1, *levels[0].shape[2:]) for levels in
                (labels, label_weights, bbox_targets, bbox_weights)]
        anchors = torch.cat([torch.cat(a) for a in anchor_list])
        if self.train_cfg.get('isr') is not None:
            with torch.no_grad():
                flat = list(isr_p(scores, preds, tuple(flat), anchors, sampling_results, bbox_coder=self.bbox_coder,
                                  loss_cls=self.loss_cls, num_class=self.num_classes, **self.train_cfg.isr))
        flat_labels, flat_label_weights, flat_targets, flat_weights = flat
        losses = dict(loss_cls=self.loss_cls(scores, flat_labels, flat_label_weights, avg_factor=num_total_samples),
                      loss_bbox=self.loss_bbox(preds, flat_targets, flat_weights, avg_factor=num_total_samples))
        if self.train_cfg.get('carl') is not None:
            losses.update(carl_loss(scores, flat_labels, preds, flat_targets, self.loss_bbox, **self.train_cfg.carl,
                                    avg_factor=num_pos, sigmoid=True, num_class=self.num_classes))
        return losses
