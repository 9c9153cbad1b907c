"""``YOLOFHead``: YOLOF's single-level head (implicit objectness, uniformly matched positives)."""
from __future__ import annotations

import torch
import torch.nn as nn

from ...cnn import ConvModule, bias_init_with_prob, constant_init, is_norm, normal_init
from ...core.anchor import anchor_inside_flags
from ...core.utils import reduce_mean, unmap
from ...runner import force_fp32
from ..builder import HEADS
from .anchor_head import AnchorHead, sampled_targets
from .paa_head import levels_to_images  # noqa: F401

INF = 1e8


@HEADS.register_module()
class YOLOFHead(AnchorHead):
    """YOLOF (Chen et al., 2021) on one level: ``num_cls_convs`` / ``num_reg_convs`` conv-BN-ReLU towers, class
    scores normalised by an implicit objectness from the regression tower (``log(sigmoid(c) * sigmoid(o))`` as a
    logit), boxes regressed as decoded boxes (GIoU) for the positives of ``UniformAssigner``.

    Args:
        num_cls_convs / num_reg_convs: Tower depths. Defaults to 2 / 4.
        norm_cfg: Tower norm (BN).
    """

    def __init__(self, num_classes: int, in_channels: int, num_cls_convs: int = 2, num_reg_convs: int = 4,
                 norm_cfg=dict(type='BN', requires_grad=True), **kwargs):  # noqa: B006
        self.num_cls_convs, self.num_reg_convs, self.norm_cfg = num_cls_convs, num_reg_convs, norm_cfg
        super().__init__(num_classes, in_channels, **kwargs)
        if self.prior_generator.num_levels != 1:
            raise ValueError(f'YOLOFHead works on one level: anchor_generator has {self.prior_generator.num_levels} '
                             'strides')

    def _init_layers(self) -> None:
        def tower(num):
            return nn.Sequential(*[ConvModule(self.in_channels, self.in_channels, kernel_size=3, padding=1,
                                              norm_cfg=self.norm_cfg) for _ in range(num)])

        self.cls_subnet, self.bbox_subnet = tower(self.num_cls_convs), tower(self.num_reg_convs)
        self.cls_score = nn.Conv2d(self.in_channels, self.num_base_priors * self.num_classes, 3, stride=1, padding=1)
        self.bbox_pred = nn.Conv2d(self.in_channels, self.num_base_priors * 4, 3, stride=1, padding=1)
        self.object_pred = nn.Conv2d(self.in_channels, self.num_base_priors, 3, stride=1, padding=1)

    def init_weights(self) -> None:
        """mmdet's YOLOF init (``init_cfg`` unused): N(0, 0.01) convs, unit norms, a 0.01 prior on the scores."""
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                normal_init(m, mean=0, std=0.01)
            if is_norm(m):
                constant_init(m, 1)
        nn.init.constant_(self.cls_score.bias, bias_init_with_prob(0.01))
        self._is_init = True

    def forward_single(self, feature):
        cls_score = self.cls_score(self.cls_subnet(feature))
        n, _, h, w = cls_score.shape
        cls_score = cls_score.view(n, -1, self.num_classes, h, w)
        reg_feat = self.bbox_subnet(feature)
        objectness = self.object_pred(reg_feat).view(n, -1, 1, h, w)
        normalized = cls_score + objectness - torch.log(1. + torch.clamp(cls_score.exp(), max=INF) +
                                                        torch.clamp(objectness.exp(), max=INF))
        return normalized.view(n, -1, h, w), self.bbox_pred(reg_feat)

    @force_fp32(apply_to=('cls_scores', 'bbox_preds'))
    def loss(self, cls_scores, bbox_preds, gt_bboxes, gt_labels, img_metas, gt_bboxes_ignore=None) -> dict:
        """``loss_cls`` (all anchors) and ``loss_bbox`` (GIoU of the matched predictions), averaged over the
        positives of all processes."""
        if len(cls_scores) != 1:
            raise ValueError(f'YOLOFHead works on one level, got {len(cls_scores)}')
        featmap_sizes = [cls_scores[0].size()[-2:]]
        anchors, valid_flags = self.get_anchors(featmap_sizes, img_metas, device=cls_scores[0].device)
        num_imgs = len(img_metas)
        bbox_preds_per_image = bbox_preds[0].permute(0, 2, 3, 1).reshape(num_imgs, -1, 4)
        gt_bboxes_ignore = gt_bboxes_ignore or [None] * num_imgs
        labels, label_weights, box_weights, pred_boxes, target_boxes = [], [], [], [], []
        num_pos = num_neg = 0
        for i, meta in enumerate(img_metas):
            result = self._targets_single(bbox_preds_per_image[i], anchors[i][0], valid_flags[i][0], gt_bboxes[i],
                                          gt_bboxes_ignore[i], None if gt_labels is None else gt_labels[i], meta)
            for store, value in zip((labels, label_weights, box_weights, pred_boxes, target_boxes), result[:5]):
                store.append(value)
            num_pos, num_neg = num_pos + max(result[5], 1), num_neg + max(result[6], 1)
        num_samples = num_pos + num_neg if self.sampling else num_pos
        # a tensor instead of mmdet's .item(): same value, no host synchronisation
        avg_factor = reduce_mean(cls_scores[0].new_tensor(float(num_samples))).clamp_(1.0)
        scores = cls_scores[0].permute(0, 2, 3, 1).reshape(-1, self.cls_out_channels)
        loss_cls = self.loss_cls(scores, torch.cat(labels), torch.cat(label_weights), avg_factor=avg_factor)
        pred_boxes = torch.cat(pred_boxes)
        if pred_boxes.shape[0] == 0:
            return dict(loss_cls=loss_cls, loss_bbox=pred_boxes.sum() * 0)
        return dict(loss_cls=loss_cls, loss_bbox=self.loss_bbox(pred_boxes, torch.cat(target_boxes),
                                                                torch.cat(box_weights).float(),
                                                                avg_factor=avg_factor))

    def _targets_single(self, bbox_preds, flat_anchors, valid_flags, gt_bboxes, gt_bboxes_ignore, gt_labels,
                        img_meta) -> tuple:
        """One image: labels, label weights (all anchors), the kept-match mask, matched predicted and target
        boxes; the positive and negative counts."""
        inside = anchor_inside_flags(flat_anchors, valid_flags, img_meta['img_shape'][:2],
                                     self.train_cfg.allowed_border)
        if not inside.any():
            raise ValueError('YOLOFHead: an image has no anchor inside it (img_shape smaller than every anchor?)')
        anchors = flat_anchors[inside]
        decoded = self.bbox_coder.decode(anchors, bbox_preds[inside])
        result = self.assigner.assign(decoded, anchors, gt_bboxes, gt_bboxes_ignore,
                                      None if self.sampling else gt_labels)
        sampling = self.sampler.sample(result, anchors, gt_bboxes)
        labels, label_weights = sampled_targets(sampling, len(anchors), gt_labels, self.num_classes,
                                                self.train_cfg.pos_weight)[:2]
        total = flat_anchors.size(0)
        return (unmap(labels, total, inside, fill=self.num_classes), unmap(label_weights, total, inside),
                result.get_extra_property('pos_idx'), result.get_extra_property('pos_predicted_boxes'),
                result.get_extra_property('target_boxes'), sampling.pos_inds.numel(), sampling.neg_inds.numel())
