"""``YOLOXHead``: YOLOX's decoupled, anchor-free head (classes, boxes and objectness per location), trained with
SimOTA."""
from __future__ import annotations

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from ...cnn import bias_init_with_prob
from ...core.anchor import MlvlPointGenerator
from ...core.bbox import bbox_xyxy_to_cxcywh, build_assigner
from ...core.post_processing import batched_nms
from ...core.utils import multi_apply, reduce_mean
from ...runner import force_fp32
from ..builder import HEADS, build_loss
from ..utils.csp_layer import YOLOX_ACT, YOLOX_INIT, YOLOX_NORM, conv_cls
from .base_dense_head import BaseDenseHead


@HEADS.register_module()
class YOLOXHead(BaseDenseHead):
    """Per level: ``stacked_convs`` convs for classes and, separately, for boxes and objectness, then 1x1
    predictors. Boxes are ``(dx, dy, log w, log h)`` in strides from each location. ``use_l1`` (switched on by
    ``YOLOXModeSwitchHook``) adds the L1 loss on the raw box outputs.

    Args:
        num_classes / in_channels / feat_channels: Classes and channel widths.
        stacked_convs: Convs per tower. Defaults to 2.
        strides: Strides of the input levels. Defaults to (8, 16, 32).
        use_depthwise / dcn_on_last_conv / conv_bias: Tower convolution options.
        loss_cls / loss_bbox / loss_obj / loss_l1: Loss configs (mmdet's defaults: sigmoid BCE summed, squared
            IoU x 5, sigmoid BCE, L1), each divided by the number of positives.
    """

    required_test_cfg_keys = ('score_thr', 'nms')

    def __init__(self, num_classes: int, in_channels: int, feat_channels: int = 256, stacked_convs: int = 2,
                 strides=(8, 16, 32), use_depthwise: bool = False, dcn_on_last_conv: bool = False,
                 conv_bias='auto', conv_cfg=None, norm_cfg=YOLOX_NORM, act_cfg=YOLOX_ACT,
                 loss_cls=dict(type='CrossEntropyLoss', use_sigmoid=True, reduction='sum',  # noqa: B006
                               loss_weight=1.0),
                 loss_bbox=dict(type='IoULoss', mode='square', eps=1e-16, reduction='sum',  # noqa: B006
                                loss_weight=5.0),
                 loss_obj=dict(type='CrossEntropyLoss', use_sigmoid=True, reduction='sum',  # noqa: B006
                               loss_weight=1.0),
                 loss_l1=dict(type='L1Loss', reduction='sum', loss_weight=1.0),  # noqa: B006
                 train_cfg=None, test_cfg=None, init_cfg=YOLOX_INIT):
        super().__init__(init_cfg)
        if conv_bias != 'auto' and not isinstance(conv_bias, bool):
            raise ValueError(f"YOLOXHead conv_bias must be 'auto' or a bool, got {conv_bias!r}")
        self.num_classes = self.cls_out_channels = num_classes
        self.in_channels, self.feat_channels, self.stacked_convs = in_channels, feat_channels, stacked_convs
        self.strides, self.use_depthwise, self.dcn_on_last_conv = strides, use_depthwise, dcn_on_last_conv
        self.conv_bias, self.conv_cfg, self.norm_cfg, self.act_cfg = conv_bias, conv_cfg, norm_cfg, act_cfg
        self.use_sigmoid_cls, self.sampling, self.fp16_enabled = True, False, False
        self.loss_cls, self.loss_bbox = build_loss(loss_cls), build_loss(loss_bbox)
        self.loss_obj, self.loss_l1 = build_loss(loss_obj), build_loss(loss_l1)
        self.use_l1 = False  # switched on by YOLOXModeSwitchHook for the last epochs
        self.prior_generator = MlvlPointGenerator(strides, offset=0)
        self.train_cfg, self.test_cfg = train_cfg, test_cfg
        if train_cfg:
            self.assigner = build_assigner(train_cfg['assigner'])
        self._init_layers()

    def _init_layers(self) -> None:
        self.multi_level_cls_convs = nn.ModuleList([self._build_stacked_convs() for _ in self.strides])
        self.multi_level_reg_convs = nn.ModuleList([self._build_stacked_convs() for _ in self.strides])
        self.multi_level_conv_cls = nn.ModuleList([nn.Conv2d(self.feat_channels, self.cls_out_channels, 1)
                                                   for _ in self.strides])
        self.multi_level_conv_reg = nn.ModuleList([nn.Conv2d(self.feat_channels, 4, 1) for _ in self.strides])
        self.multi_level_conv_obj = nn.ModuleList([nn.Conv2d(self.feat_channels, 1, 1) for _ in self.strides])

    def _build_stacked_convs(self) -> nn.Sequential:
        convs = []
        for i in range(self.stacked_convs):
            last_dcn = self.dcn_on_last_conv and i == self.stacked_convs - 1
            convs.append(conv_cls(self.use_depthwise)(
                self.in_channels if i == 0 else self.feat_channels, self.feat_channels, 3, stride=1, padding=1,
                conv_cfg=dict(type='DCNv2') if last_dcn else self.conv_cfg, norm_cfg=self.norm_cfg,
                act_cfg=self.act_cfg, bias=self.conv_bias))
        return nn.Sequential(*convs)

    def init_weights(self) -> None:
        super().init_weights()
        bias = bias_init_with_prob(0.01)
        for conv_cls_, conv_obj in zip(self.multi_level_conv_cls, self.multi_level_conv_obj):
            conv_cls_.bias.data.fill_(bias)
            conv_obj.bias.data.fill_(bias)

    def forward_single(self, x, cls_convs, reg_convs, conv_cls_, conv_reg, conv_obj) -> tuple:
        reg_feat = reg_convs(x)
        return conv_cls_(cls_convs(x)), conv_reg(reg_feat), conv_obj(reg_feat)

    def forward(self, feats) -> tuple:
        return multi_apply(self.forward_single, feats, self.multi_level_cls_convs, self.multi_level_reg_convs,
                           self.multi_level_conv_cls, self.multi_level_conv_reg, self.multi_level_conv_obj)

    def _flatten(self, cls_scores, bbox_preds, objectnesses) -> tuple:
        """Per image over all levels: class logits ``(N, P, C)``, box outputs ``(N, P, 4)``, objectness logits
        ``(N, P)``, and the priors ``(P, 4)`` (x, y, stride x, stride y)."""
        num_imgs = cls_scores[0].size(0)
        priors = self.prior_generator.grid_priors([s.shape[2:] for s in cls_scores], dtype=cls_scores[0].dtype,
                                                  device=cls_scores[0].device, with_stride=True)
        cls = torch.cat([s.permute(0, 2, 3, 1).reshape(num_imgs, -1, self.cls_out_channels) for s in cls_scores], 1)
        boxes = torch.cat([p.permute(0, 2, 3, 1).reshape(num_imgs, -1, 4) for p in bbox_preds], 1)
        obj = torch.cat([o.permute(0, 2, 3, 1).reshape(num_imgs, -1) for o in objectnesses], 1)
        return cls, boxes, obj, torch.cat(priors)

    @staticmethod
    def _bbox_decode(priors: torch.Tensor, bbox_preds: torch.Tensor) -> torch.Tensor:
        centers = bbox_preds[..., :2] * priors[:, 2:] + priors[:, :2]
        half = bbox_preds[..., 2:].exp() * priors[:, 2:] / 2
        return torch.cat([centers - half, centers + half], -1)

    @force_fp32(apply_to=('cls_scores', 'bbox_preds', 'objectnesses'))
    def get_bboxes(self, cls_scores, bbox_preds, objectnesses, img_metas=None, cfg=None, rescale: bool = False,
                   with_nms: bool = True) -> list:
        """Per image ``(dets (k, 5), labels (k,))`` after class-wise NMS (every detection kept, as mmdet), or
        ``(boxes, scores, labels)`` above ``score_thr`` without ``with_nms``."""
        cfg = self.test_cfg if cfg is None else cfg
        cls, boxes, obj, priors = self._flatten(cls_scores, bbox_preds, objectnesses)
        bboxes = self._bbox_decode(priors, boxes)
        if rescale:
            scale_factors = np.array([meta['scale_factor'] for meta in img_metas], dtype=np.float32)
            bboxes = bboxes / bboxes.new_tensor(scale_factors).reshape(len(img_metas), 1, -1)
        return [self._bboxes_nms(c, b, o, cfg, with_nms) for c, b, o in zip(cls.sigmoid(), bboxes, obj.sigmoid())]

    @staticmethod
    def _bboxes_nms(cls_scores, bboxes, score_factor, cfg, with_nms: bool = True) -> tuple:
        max_scores, labels = cls_scores.max(1)
        valid = score_factor * max_scores >= cfg.score_thr
        bboxes, scores, labels = bboxes[valid], max_scores[valid] * score_factor[valid], labels[valid]
        if not with_nms:
            return bboxes, scores, labels
        if labels.numel() == 0:
            return torch.cat([bboxes, scores[:, None]], -1), labels
        dets, keep = batched_nms(bboxes, scores, labels, cfg.nms)
        return dets, labels[keep]

    @force_fp32(apply_to=('cls_scores', 'bbox_preds', 'objectnesses'))
    def loss(self, cls_scores, bbox_preds, objectnesses, gt_bboxes, gt_labels, img_metas,
             gt_bboxes_ignore=None) -> dict:
        """``loss_cls`` (against IoU-scaled one-hots on positives), ``loss_bbox``, ``loss_obj`` (all locations)
        and, with ``use_l1``, ``loss_l1``; each over the number of positives (averaged over processes)."""
        num_imgs = len(img_metas)
        cls, boxes, obj, priors = self._flatten(cls_scores, bbox_preds, objectnesses)
        bboxes = self._bbox_decode(priors, boxes)
        pos_masks, cls_targets, obj_targets, bbox_targets, l1_targets, num_fg = multi_apply(
            self._get_target_single, cls.detach(), obj.detach(), [priors] * num_imgs, bboxes.detach(), gt_bboxes,
            gt_labels)
        num_pos = torch.tensor(sum(num_fg), dtype=torch.float, device=cls.device)
        num_total = reduce_mean(num_pos).clamp(min=1.0)
        pos_masks = torch.cat(pos_masks)
        losses = dict(
            loss_cls=self.loss_cls(cls.reshape(-1, self.num_classes)[pos_masks], torch.cat(cls_targets)) / num_total,
            loss_bbox=self.loss_bbox(bboxes.reshape(-1, 4)[pos_masks], torch.cat(bbox_targets)) / num_total,
            loss_obj=self.loss_obj(obj.reshape(-1, 1), torch.cat(obj_targets)) / num_total)
        if self.use_l1:
            losses['loss_l1'] = self.loss_l1(boxes.reshape(-1, 4)[pos_masks], torch.cat(l1_targets)) / num_total
        return losses

    @torch.no_grad()
    def _get_target_single(self, cls_preds, objectness, priors, decoded_bboxes, gt_bboxes, gt_labels) -> tuple:
        num_priors, num_gts = priors.size(0), gt_labels.size(0)
        gt_bboxes = gt_bboxes.to(decoded_bboxes.dtype)
        if num_gts == 0:
            empty = cls_preds.new_zeros((0, 4))
            return (cls_preds.new_zeros(num_priors, dtype=torch.bool), cls_preds.new_zeros((0, self.num_classes)),
                    cls_preds.new_zeros((num_priors, 1)), empty, empty, 0)
        offset_priors = torch.cat([priors[:, :2] + priors[:, 2:] * 0.5, priors[:, 2:]], dim=-1)
        result = self.assigner.assign(cls_preds.sigmoid() * objectness.unsqueeze(1).sigmoid(), offset_priors,
                                      decoded_bboxes, gt_bboxes, gt_labels)
        pos_inds = (result.gt_inds > 0).nonzero().squeeze(-1)
        pos_gt_bboxes = gt_bboxes[result.gt_inds[pos_inds] - 1]
        cls_target = F.one_hot(result.labels[pos_inds], self.num_classes) * result.max_overlaps[pos_inds, None]
        obj_target = torch.zeros_like(objectness).unsqueeze(-1)
        obj_target[pos_inds] = 1
        l1_target = cls_preds.new_zeros((len(pos_inds), 4))
        if self.use_l1:
            l1_target = self._get_l1_target(pos_gt_bboxes, priors[pos_inds])
        foreground = torch.zeros_like(objectness, dtype=torch.bool)
        foreground[pos_inds] = True
        return foreground, cls_target, obj_target, pos_gt_bboxes, l1_target, len(pos_inds)

    @staticmethod
    def _get_l1_target(gt_bboxes: torch.Tensor, priors: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
        gt_cxcywh = bbox_xyxy_to_cxcywh(gt_bboxes)
        return torch.cat([(gt_cxcywh[:, :2] - priors[:, :2]) / priors[:, 2:],
                          torch.log(gt_cxcywh[:, 2:] / priors[:, 2:] + eps)], dim=1)
