"""``BBoxHead``: R-CNN classification and per-class box regression on pooled RoI features."""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.modules.utils import _pair

from ....cnn import build_linear_layer
from ....core.bbox import build_bbox_coder
from ....core.post_processing import multiclass_nms
from ....runner import BaseModule, force_fp32
from ...builder import HEADS, build_loss
from ...losses import accuracy


class CustomLossClsMixin:
    """Whether the classification loss brings its own channels, activation or accuracy (mmdet's
    ``custom_*`` flags of box heads, read from ``loss_cls``)."""

    @property
    def custom_cls_channels(self) -> bool:
        return getattr(self.loss_cls, 'custom_cls_channels', False)

    @property
    def custom_activation(self) -> bool:
        return getattr(self.loss_cls, 'custom_activation', False)

    @property
    def custom_accuracy(self) -> bool:
        return getattr(self.loss_cls, 'custom_accuracy', False)

    @property
    def cls_channels(self) -> int:
        """Classifier outputs: the loss's own count (e.g. Seesaw's classes + 2), else classes + background."""
        return self.loss_cls.get_cls_channels(self.num_classes) if self.custom_cls_channels else self.num_classes + 1

    def cls_losses(self, cls_score, labels, label_weights, avg_factor, reduction_override=None) -> dict:
        """``loss_cls`` (or the loss's own terms when it returns a dict) and ``acc`` (or the loss's accuracies)."""
        loss = self.loss_cls(cls_score, labels, label_weights, avg_factor=avg_factor,
                             reduction_override=reduction_override)
        losses = dict(loss) if isinstance(loss, dict) else dict(loss_cls=loss)
        if self.custom_activation:
            losses.update(self.loss_cls.get_accuracy(cls_score, labels))
        else:
            losses['acc'] = accuracy(cls_score, labels)
        return losses

    def cls_probs(self, cls_score):
        """Class probabilities (background last) of the logits: softmax, or the loss's own activation."""
        return self.loss_cls.get_activation(cls_score) if self.custom_cls_channels else F.softmax(cls_score, dim=-1)


@HEADS.register_module()
class BBoxHead(CustomLossClsMixin, BaseModule):
    """The simplest R-CNN head: (optional average pool) then ``fc_cls`` and ``fc_reg``.

    Args:
        roi_feat_size: Side of the pooled RoI features. Defaults to 7.
        in_channels: Channels of the pooled features. Defaults to 256.
        num_classes: Foreground classes (``fc_cls`` has one more for background). Defaults to 80.
        bbox_coder: Box coder config (R-CNN stds 0.1/0.2 by default).
        reg_class_agnostic: One box per RoI instead of one per class. Defaults to False.
        reg_decoded_bbox: Regress decoded boxes (IoU-type losses). Defaults to False.
        loss_cls / loss_bbox: Loss configs.
    """

    def __init__(self, with_avg_pool: bool = False, with_cls: bool = True, with_reg: bool = True,
                 roi_feat_size=7, in_channels: int = 256, num_classes: int = 80,
                 bbox_coder=dict(type='DeltaXYWHBBoxCoder', clip_border=True,  # noqa: B006
                                 target_means=[0., 0., 0., 0.], target_stds=[0.1, 0.1, 0.2, 0.2]),
                 reg_class_agnostic: bool = False, reg_decoded_bbox: bool = False,
                 reg_predictor_cfg=dict(type='Linear'), cls_predictor_cfg=dict(type='Linear'),  # noqa: B006
                 loss_cls=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),  # noqa: B006
                 loss_bbox=dict(type='SmoothL1Loss', beta=1.0, loss_weight=1.0),  # noqa: B006
                 init_cfg=None):
        super().__init__(init_cfg)
        if not (with_cls or with_reg):
            raise ValueError('BBoxHead needs with_cls or with_reg')
        self.with_avg_pool, self.with_cls, self.with_reg = with_avg_pool, with_cls, with_reg
        self.roi_feat_size = _pair(roi_feat_size)
        self.roi_feat_area = self.roi_feat_size[0] * self.roi_feat_size[1]
        self.in_channels, self.num_classes = in_channels, num_classes
        self.reg_class_agnostic, self.reg_decoded_bbox = reg_class_agnostic, reg_decoded_bbox
        self.reg_predictor_cfg, self.cls_predictor_cfg = reg_predictor_cfg, cls_predictor_cfg
        self.fp16_enabled = False
        self.bbox_coder = build_bbox_coder(bbox_coder)
        self.loss_cls = build_loss(loss_cls)
        self.loss_bbox = build_loss(loss_bbox)
        in_features = in_channels if with_avg_pool else in_channels * self.roi_feat_area
        if with_avg_pool:
            self.avg_pool = nn.AvgPool2d(self.roi_feat_size)
        if with_cls:
            self.fc_cls = build_linear_layer(cls_predictor_cfg, in_features=in_features, out_features=self.cls_channels)
        if with_reg:
            self.fc_reg = build_linear_layer(reg_predictor_cfg, in_features=in_features,
                                             out_features=4 if reg_class_agnostic else 4 * num_classes)
        self.debug_imgs = None
        if init_cfg is None:
            self.init_cfg = []
            if with_cls:
                self.init_cfg.append(dict(type='Normal', std=0.01, override=dict(name='fc_cls')))
            if with_reg:
                self.init_cfg.append(dict(type='Normal', std=0.001, override=dict(name='fc_reg')))

    def forward(self, x):
        if self.with_avg_pool:
            x = self.avg_pool(x) if x.numel() > 0 else x.mean(dim=(-1, -2), keepdim=True)
        x = x.flatten(1)
        return (self.fc_cls(x) if self.with_cls else None), (self.fc_reg(x) if self.with_reg else None)

    def _get_target_single(self, pos_bboxes, neg_bboxes, pos_gt_bboxes, pos_gt_labels, cfg):
        num_pos, num_neg = pos_bboxes.size(0), neg_bboxes.size(0)
        num_samples = num_pos + num_neg
        labels = pos_bboxes.new_full((num_samples, ), self.num_classes, dtype=torch.long)
        label_weights = pos_bboxes.new_zeros(num_samples)
        bbox_targets = pos_bboxes.new_zeros(num_samples, 4)
        bbox_weights = pos_bboxes.new_zeros(num_samples, 4)
        if num_pos > 0:
            labels[:num_pos] = pos_gt_labels
            label_weights[:num_pos] = 1.0 if cfg.pos_weight <= 0 else cfg.pos_weight
            bbox_targets[:num_pos, :] = (pos_gt_bboxes if self.reg_decoded_bbox else
                                         self.bbox_coder.encode(pos_bboxes, pos_gt_bboxes))
            bbox_weights[:num_pos, :] = 1
        if num_neg > 0:
            label_weights[-num_neg:] = 1.0
        return labels, label_weights, bbox_targets, bbox_weights

    def get_targets(self, sampling_results, gt_bboxes, gt_labels, rcnn_train_cfg, concat: bool = True):
        """Labels, label weights, box targets and box weights of the sampled RoIs (positives first)."""
        targets = [self._get_target_single(res.pos_bboxes, res.neg_bboxes, res.pos_gt_bboxes, res.pos_gt_labels,
                                           rcnn_train_cfg) for res in sampling_results]
        labels, label_weights, bbox_targets, bbox_weights = (list(t) for t in zip(*targets))
        if concat:
            return tuple(torch.cat(t, 0) for t in (labels, label_weights, bbox_targets, bbox_weights))
        return labels, label_weights, bbox_targets, bbox_weights

    @force_fp32(apply_to=('cls_score', 'bbox_pred'))
    def loss(self, cls_score, bbox_pred, rois, labels, label_weights, bbox_targets, bbox_weights,
             reduction_override=None) -> dict:
        """``loss_cls``, ``acc`` and ``loss_bbox`` (over positives, averaged over all sampled RoIs)."""
        losses = {}
        if cls_score is not None and cls_score.numel() > 0:
            # a tensor avg_factor keeps the step free of host synchronisation
            avg_factor = (label_weights > 0).sum().float().clamp(min=1.)
            losses.update(self.cls_losses(cls_score, labels, label_weights, avg_factor, reduction_override))
        if bbox_pred is not None:
            pos = (labels >= 0) & (labels < self.num_classes)
            if self.reg_decoded_bbox:
                bbox_pred = self.bbox_coder.decode(rois[:, 1:], bbox_pred)
            if self.reg_class_agnostic:
                pos_bbox_pred = bbox_pred.view(bbox_pred.size(0), 4)[pos]
            else:
                pos_bbox_pred = bbox_pred.view(bbox_pred.size(0), -1, 4)[pos, labels[pos]]
            if pos_bbox_pred.numel() > 0:
                losses['loss_bbox'] = self.loss_bbox(pos_bbox_pred, bbox_targets[pos], bbox_weights[pos],
                                                     avg_factor=bbox_targets.size(0),
                                                     reduction_override=reduction_override)
            else:
                losses['loss_bbox'] = bbox_pred.sum() * 0
        return losses

    @force_fp32(apply_to=('cls_score', 'bbox_pred'))
    def get_bboxes(self, rois, cls_score, bbox_pred, img_shape, scale_factor, rescale: bool = False, cfg=None):
        """Decode one image's RoIs; with ``cfg`` run per-class NMS and return ``(dets, labels)``."""
        scores = self.cls_probs(cls_score) if cls_score is not None else None
        if bbox_pred is not None:
            bboxes = self.bbox_coder.decode(rois[..., 1:], bbox_pred, max_shape=img_shape)
        else:
            bboxes = rois[:, 1:].clone()
            if img_shape is not None:
                bboxes[:, [0, 2]] = bboxes[:, [0, 2]].clamp(min=0, max=img_shape[1])
                bboxes[:, [1, 3]] = bboxes[:, [1, 3]].clamp(min=0, max=img_shape[0])
        if rescale and bboxes.size(0) > 0:
            scale = bboxes.new_tensor(scale_factor)
            bboxes = (bboxes.view(bboxes.size(0), -1, 4) / scale).view(bboxes.size(0), -1)
        if cfg is None:
            return bboxes, scores
        return multiclass_nms(bboxes, scores, cfg.score_thr, cfg.nms, cfg.max_per_img)

    @force_fp32(apply_to=('bbox_pred', ))
    def regress_by_class(self, rois, label, bbox_pred, img_meta: dict):
        """Apply each RoI's predicted deltas (of class ``label`` unless class-agnostic); Cascade R-CNN.

        ``rois`` is ``(n, 4)`` boxes or ``(n, 5)`` with the image index first; the result has the same layout,
        clipped to ``img_meta['img_shape']``.
        """
        if rois.size(1) not in (4, 5):
            raise ValueError(f'rois must be (n, 4) or (n, 5), got {tuple(rois.shape)}')
        if not self.reg_class_agnostic:
            bbox_pred = bbox_pred.view(bbox_pred.size(0), -1, 4)[torch.arange(len(label), device=label.device),
                                                                 label]
        if rois.size(1) == 4:
            return self.bbox_coder.decode(rois, bbox_pred, max_shape=img_meta['img_shape'])
        boxes = self.bbox_coder.decode(rois[:, 1:], bbox_pred, max_shape=img_meta['img_shape'])
        return torch.cat([rois[:, :1], boxes], dim=1)

    def refine_bboxes(self, rois, labels, bbox_preds, pos_is_gts: list, img_metas: list) -> list:
        """Per image, the sampled RoIs moved by their predicted deltas, minus the ground-truth boxes
        the sampler added (the next cascade stage's proposals)."""
        refined = []
        for i, img_meta in enumerate(img_metas):
            in_img = rois[:, 0] == i
            boxes = self.regress_by_class(rois[in_img, 1:], labels[in_img], bbox_preds[in_img], img_meta)
            keep = torch.ones(len(boxes), dtype=torch.bool, device=boxes.device)
            keep[:len(pos_is_gts[i])] = ~pos_is_gts[i].bool()
            refined.append(boxes[keep])
        return refined
