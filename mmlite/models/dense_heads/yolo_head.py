"""``YOLOV3Head``: per anchor, box offsets, objectness and class scores on each level (YOLOv3)."""
from __future__ import annotations

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from ...cnn import ConvModule, bias_init_with_prob, constant_init, is_norm, normal_init
from ...core.anchor import build_prior_generator, images_to_levels
from ...core.bbox import build_assigner, build_bbox_coder, build_sampler
from ...core.post_processing import multiclass_nms
from ...core.utils import multi_apply
from ...runner import force_fp32
from ..builder import HEADS, build_loss
from .base_dense_head import BaseDenseHead

_LEAKY = dict(type='LeakyReLU', negative_slope=0.1)
_SIGMOID_CE = dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0)


@HEADS.register_module()
class YOLOV3Head(BaseDenseHead):
    """A 3x3 bridge ConvModule and a 1x1 prediction conv per level; each anchor predicts ``(x, y, w, h,
    objectness, class scores...)`` (``num_attrib = 5 + num_classes`` channels).

    Args:
        num_classes / in_channels / out_channels: Classes; per level the input and bridge channels.
        anchor_generator / bbox_coder: ``YOLOAnchorGenerator`` and ``YOLOBBoxCoder`` configs.
        featmap_strides: Stride of each level (deepest first).
        one_hot_smoother: Label smoothing of the class targets. Defaults to 0.
        loss_cls / loss_conf / loss_xy / loss_wh: Loss configs.
        train_cfg / test_cfg: ``assigner`` (``GridAssigner``) / ``nms_pre``, ``conf_thr``, ``score_thr``,
            ``nms``, ``max_per_img``.
    """

    extra_test_cfg_keys = frozenset({'conf_thr'})  # beyond the dense heads' keys

    def __init__(self, num_classes: int, in_channels, out_channels=(1024, 512, 256),
                 anchor_generator=dict(type='YOLOAnchorGenerator',  # noqa: B006
                                       base_sizes=[[(116, 90), (156, 198), (373, 326)],
                                                   [(30, 61), (62, 45), (59, 119)],
                                                   [(10, 13), (16, 30), (33, 23)]],
                                       strides=[32, 16, 8]),
                 bbox_coder=dict(type='YOLOBBoxCoder'), featmap_strides=[32, 16, 8],  # noqa: B006
                 one_hot_smoother: float = 0., conv_cfg=None,
                 norm_cfg=dict(type='BN', requires_grad=True), act_cfg=_LEAKY,  # noqa: B006
                 loss_cls=_SIGMOID_CE, loss_conf=_SIGMOID_CE, loss_xy=_SIGMOID_CE,
                 loss_wh=dict(type='MSELoss', loss_weight=1.0),  # noqa: B006
                 train_cfg=None, test_cfg=None,
                 init_cfg=dict(type='Normal', std=0.01, override=dict(name='convs_pred'))):  # noqa: B006
        super().__init__(init_cfg)
        if not len(in_channels) == len(out_channels) == len(featmap_strides):
            raise ValueError('YOLOV3Head needs one in_channels, out_channels and featmap_strides entry per level')
        self.num_classes, self.in_channels, self.out_channels = num_classes, in_channels, out_channels
        self.featmap_strides, self.train_cfg, self.test_cfg = featmap_strides, train_cfg, test_cfg
        if self.train_cfg:
            self.assigner = build_assigner(self.train_cfg.assigner)
            self.sampler = build_sampler(self.train_cfg.get('sampler', dict(type='PseudoSampler')), context=self)
        self.fp16_enabled = False
        self.one_hot_smoother = one_hot_smoother
        self.conv_cfg, self.norm_cfg, self.act_cfg = conv_cfg, norm_cfg, act_cfg
        self.bbox_coder = build_bbox_coder(bbox_coder)
        self.prior_generator = build_prior_generator(anchor_generator)
        self.loss_cls, self.loss_conf = build_loss(loss_cls), build_loss(loss_conf)
        self.loss_xy, self.loss_wh = build_loss(loss_xy), build_loss(loss_wh)
        self.num_base_priors = self.prior_generator.num_base_priors[0]
        if len(self.prior_generator.num_base_priors) != len(featmap_strides):
            raise ValueError('YOLOV3Head: the anchor generator and featmap_strides have different level counts')
        self._init_layers()

    @property
    def num_levels(self) -> int:
        return len(self.featmap_strides)

    @property
    def num_attrib(self) -> int:
        """Channels per anchor: 4 box, 1 objectness, ``num_classes`` class scores."""
        return 5 + self.num_classes

    def _init_layers(self) -> None:
        self.convs_bridge, self.convs_pred = nn.ModuleList(), nn.ModuleList()
        for i in range(self.num_levels):
            self.convs_bridge.append(ConvModule(self.in_channels[i], self.out_channels[i], 3, padding=1,
                                                conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg, act_cfg=self.act_cfg))
            self.convs_pred.append(nn.Conv2d(self.out_channels[i], self.num_base_priors * self.num_attrib, 1))

    def init_weights(self) -> None:
        """Convs N(0, 0.01), norms 1; objectness biases at the prior of 8 objects per 608x608 image and class
        biases at 0.01, as mmdet (this replaces ``init_cfg``)."""
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                normal_init(module, mean=0, std=0.01)
            if is_norm(module):
                constant_init(module, 1)
        for conv_pred, stride in zip(self.convs_pred, self.featmap_strides):
            bias = conv_pred.bias.reshape(self.num_base_priors, -1)
            nn.init.constant_(bias.data[:, 4], bias_init_with_prob(8 / (608 / stride)**2))
            nn.init.constant_(bias.data[:, 5:], bias_init_with_prob(0.01))

    def forward(self, feats):
        """``(pred_maps, )``: per level ``(n, num_base_priors * num_attrib, h, w)``."""
        if len(feats) != self.num_levels:
            raise ValueError(f'YOLOV3Head expects {self.num_levels} feature maps, got {len(feats)}')
        return tuple(pred(bridge(x)) for x, bridge, pred in zip(feats, self.convs_bridge, self.convs_pred)),

    @force_fp32(apply_to=('pred_maps', ))
    def get_bboxes(self, pred_maps, img_metas, cfg=None, rescale: bool = False, with_nms: bool = True) -> list:
        """Per image ``(dets (k, 5), labels (k,))``: scores are class probability x objectness."""
        if not with_nms:
            raise NotImplementedError('YOLOV3Head always applies NMS (as mmdet 2.x): with_nms=False is not supported')
        cfg = self.test_cfg if cfg is None else cfg
        num_imgs = len(img_metas)
        featmap_sizes = [pred_map.shape[-2:] for pred_map in pred_maps]
        anchors = torch.cat(self.prior_generator.grid_priors(featmap_sizes, device=pred_maps[0].device))
        preds, strides = [], []
        for pred, stride in zip(pred_maps, self.featmap_strides):
            pred = pred.permute(0, 2, 3, 1).reshape(num_imgs, -1, self.num_attrib)
            preds.append(torch.cat([pred[..., :2].sigmoid(), pred[..., 2:]], dim=-1))
            strides.append(pred.new_tensor(stride).expand(pred.size(1)))
        preds, strides = torch.cat(preds, dim=1), torch.cat(strides)
        bboxes = self.bbox_coder.decode(anchors, preds[..., :4], strides.unsqueeze(-1))
        if rescale:
            scale_factors = np.array([meta['scale_factor'] for meta in img_metas])
            bboxes = bboxes / bboxes.new_tensor(scale_factors).unsqueeze(1)
        objectness = preds[..., 4].sigmoid()
        scores = torch.cat([preds[..., 5:].sigmoid(), bboxes.new_zeros(num_imgs, bboxes.shape[1], 1)], dim=-1)
        conf_thr = cfg.get('conf_thr', -1)
        results = []
        for img_bboxes, img_scores, img_objectness in zip(bboxes, scores, objectness):
            if conf_thr > 0:
                keep = img_objectness >= conf_thr
                img_bboxes, img_scores, img_objectness = img_bboxes[keep], img_scores[keep], img_objectness[keep]
            results.append(multiclass_nms(img_bboxes, img_scores, cfg.score_thr, cfg.nms, cfg.max_per_img,
                                          score_factors=img_objectness))
        return results

    @force_fp32(apply_to=('pred_maps', ))
    def loss(self, pred_maps, gt_bboxes, gt_labels, img_metas, gt_bboxes_ignore=None) -> dict:
        """Per level ``loss_cls``, ``loss_conf``, ``loss_xy`` and ``loss_wh``."""
        device = pred_maps[0][0].device
        featmap_sizes = [pred_maps[i].shape[-2:] for i in range(self.num_levels)]
        anchors = self.prior_generator.grid_priors(featmap_sizes, device=device)
        responsible = [self.prior_generator.responsible_flags(featmap_sizes, gt, device) for gt in gt_bboxes]
        target_maps, neg_maps = self.get_targets([anchors] * len(img_metas), responsible, gt_bboxes, gt_labels)
        losses_cls, losses_conf, losses_xy, losses_wh = multi_apply(self.loss_single, pred_maps, target_maps,
                                                                    neg_maps)
        return dict(loss_cls=losses_cls, loss_conf=losses_conf, loss_xy=losses_xy, loss_wh=losses_wh)

    def loss_single(self, pred_map, target_map, neg_map) -> tuple:
        """One level's four losses: classes and box over positives, objectness over positives and negatives."""
        pred_map = pred_map.permute(0, 2, 3, 1).reshape(len(pred_map), -1, self.num_attrib)
        pos_mask = target_map[..., 4]
        # an anchor both positive and negative counts once (mmdet warned and clamped; no host sync here)
        pos_and_neg_mask = (neg_map.float() + pos_mask).clamp(min=0., max=1.)
        pos_mask = pos_mask.unsqueeze(dim=-1)
        loss_cls = self.loss_cls(pred_map[..., 5:], target_map[..., 5:], weight=pos_mask)
        loss_conf = self.loss_conf(pred_map[..., 4], target_map[..., 4], weight=pos_and_neg_mask)
        loss_xy = self.loss_xy(pred_map[..., :2], target_map[..., :2], weight=pos_mask)
        loss_wh = self.loss_wh(pred_map[..., 2:4], target_map[..., 2:4], weight=pos_mask)
        return loss_cls, loss_conf, loss_xy, loss_wh

    def get_targets(self, anchor_list, responsible_flag_list, gt_bboxes_list, gt_labels_list) -> tuple:
        """Per level the target maps ``(n, anchors, num_attrib)`` and negative maps ``(n, anchors)``."""
        num_level_anchors = [anchors.size(0) for anchors in anchor_list[0]]
        target_maps, neg_maps = multi_apply(self._get_targets_single, anchor_list, responsible_flag_list,
                                            gt_bboxes_list, gt_labels_list)
        return images_to_levels(target_maps, num_level_anchors), images_to_levels(neg_maps, num_level_anchors)

    def _get_targets_single(self, anchors, responsible_flags, gt_bboxes, gt_labels) -> tuple:
        strides = torch.cat([torch.tensor(stride, device=gt_bboxes.device).repeat(len(level))
                             for stride, level in zip(self.featmap_strides, anchors)])
        anchors, responsible_flags = torch.cat(anchors), torch.cat(responsible_flags)
        result = self.sampler.sample(self.assigner.assign(anchors, responsible_flags, gt_bboxes), anchors, gt_bboxes)
        target_map = anchors.new_zeros(anchors.size(0), self.num_attrib)
        target_map[result.pos_inds, :4] = self.bbox_coder.encode(result.pos_bboxes, result.pos_gt_bboxes,
                                                                 strides[result.pos_inds])
        target_map[result.pos_inds, 4] = 1
        one_hot = F.one_hot(gt_labels, num_classes=self.num_classes).float()
        if self.one_hot_smoother != 0:
            one_hot = one_hot * (1 - self.one_hot_smoother) + self.one_hot_smoother / self.num_classes
        target_map[result.pos_inds, 5:] = one_hot[result.pos_assigned_gt_inds]
        neg_map = anchors.new_zeros(anchors.size(0), dtype=torch.uint8)
        neg_map[result.neg_inds] = 1
        return target_map, neg_map

    def aug_test(self, feats, img_metas, rescale: bool = False):
        raise NotImplementedError('test-time augmentation is not supported for YOLOV3Head (mmdet 2.x merged its '
                                  'labels as scores); use a single-scale test pipeline')
