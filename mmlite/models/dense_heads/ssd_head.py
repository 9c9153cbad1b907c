"""``SSDHead``: per level one conv for class scores and one for box deltas, trained with hard negative mining."""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from ...cnn import ConvModule, DepthwiseSeparableConvModule
from ...core.anchor import build_prior_generator
from ...core.bbox import build_assigner, build_bbox_coder, build_sampler
from ...core.utils import multi_apply
from ...runner import force_fp32
from ..builder import HEADS
from ..losses import smooth_l1_loss
from .anchor_head import AnchorHead
from .base_dense_head import BaseDenseHead


@HEADS.register_module()
class SSDHead(AnchorHead):
    """SSD (Liu et al., 2016) head: softmax classification (``num_classes + 1``) and smooth-L1 regression;
    per image the negatives with the highest loss are kept, ``neg_pos_ratio`` per positive.

    Args:
        num_classes / in_channels: Classes; channels of each input level.
        stacked_convs / feat_channels / use_depthwise / conv_cfg / norm_cfg / act_cfg: Optional convs before the
            predictors (SSDLite: depthwise).
        anchor_generator / bbox_coder / reg_decoded_bbox: As ``AnchorHead``.
        train_cfg: ``assigner``, ``smoothl1_beta``, ``neg_pos_ratio``, ``allowed_border``, ``pos_weight``.
    """

    extra_train_cfg_keys = frozenset({'smoothl1_beta', 'neg_pos_ratio'})  # beyond the dense heads' keys

    def __init__(self, num_classes: int = 80, in_channels=(512, 1024, 512, 256, 256, 256), stacked_convs: int = 0,
                 feat_channels: int = 256, use_depthwise: bool = False, conv_cfg=None, norm_cfg=None, act_cfg=None,
                 anchor_generator=dict(type='SSDAnchorGenerator', scale_major=False, input_size=300,  # noqa: B006
                                       strides=[8, 16, 32, 64, 100, 300],
                                       ratios=([2], [2, 3], [2, 3], [2, 3], [2], [2]),
                                       basesize_ratio_range=(0.1, 0.9)),
                 bbox_coder=dict(type='DeltaXYWHBBoxCoder', clip_border=True,  # noqa: B006
                                 target_means=[.0, .0, .0, .0], target_stds=[1.0, 1.0, 1.0, 1.0]),
                 reg_decoded_bbox: bool = False, train_cfg=None, test_cfg=None,
                 init_cfg=dict(type='Xavier', layer='Conv2d', distribution='uniform', bias=0)):  # noqa: B006
        BaseDenseHead.__init__(self, init_cfg)  # AnchorHead's single-prior-count set-up does not apply
        self.num_classes, self.in_channels = num_classes, in_channels
        self.stacked_convs, self.feat_channels, self.use_depthwise = stacked_convs, feat_channels, use_depthwise
        self.conv_cfg, self.norm_cfg, self.act_cfg = conv_cfg, norm_cfg, act_cfg
        self.cls_out_channels = num_classes + 1  # softmax with a background class
        self.prior_generator = build_prior_generator(anchor_generator)
        self.num_base_priors = self.prior_generator.num_base_priors  # one count per level
        self._init_layers()
        self.bbox_coder = build_bbox_coder(bbox_coder)
        self.reg_decoded_bbox = reg_decoded_bbox
        self.use_sigmoid_cls, self.cls_focal_loss, self.sampling = False, False, False
        self.train_cfg, self.test_cfg = train_cfg, test_cfg
        if self.train_cfg:
            self.assigner = build_assigner(self.train_cfg.assigner)
            self.sampler = build_sampler(dict(type='PseudoSampler'), context=self)
        self.fp16_enabled = False

    def _branch(self, in_channels: int, num_priors: int, out_per_prior: int) -> nn.Sequential:
        conv = DepthwiseSeparableConvModule if self.use_depthwise else ConvModule
        cfg = dict(conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg, act_cfg=self.act_cfg)
        layers = []
        for _ in range(self.stacked_convs):
            layers.append(conv(in_channels, self.feat_channels, 3, padding=1, **cfg))
            in_channels = self.feat_channels
        if self.use_depthwise:
            layers.append(ConvModule(in_channels, in_channels, 3, padding=1, groups=in_channels, **cfg))
        kernel = 1 if self.use_depthwise else 3
        layers.append(nn.Conv2d(in_channels, num_priors * out_per_prior, kernel_size=kernel, padding=kernel // 2))
        return nn.Sequential(*layers)

    def _init_layers(self) -> None:
        self.cls_convs, self.reg_convs = nn.ModuleList(), nn.ModuleList()
        for channels, num_priors in zip(self.in_channels, self.num_base_priors):
            self.cls_convs.append(self._branch(channels, num_priors, self.cls_out_channels))
            self.reg_convs.append(self._branch(channels, num_priors, 4))

    def forward(self, feats):
        """Per level ``cls_score`` and ``bbox_pred``."""
        cls_scores = [cls_conv(feat) for feat, cls_conv in zip(feats, self.cls_convs)]
        return cls_scores, [reg_conv(feat) for feat, reg_conv in zip(feats, self.reg_convs)]

    def loss_single(self, cls_score, bbox_pred, anchor, labels, label_weights, bbox_targets, bbox_weights,
                    num_total_samples):
        """One image: positives' and the hardest ``neg_pos_ratio`` x negatives' CE, smooth-L1 of positives."""
        loss_cls_all = F.cross_entropy(cls_score, labels, reduction='none') * label_weights
        pos_inds = ((labels >= 0) & (labels < self.num_classes)).nonzero(as_tuple=False).reshape(-1)
        neg_inds = (labels == self.num_classes).nonzero(as_tuple=False).view(-1)
        num_neg = min(self.train_cfg.neg_pos_ratio * pos_inds.size(0), neg_inds.size(0))
        loss_cls_neg = loss_cls_all[neg_inds].topk(num_neg)[0].sum()
        loss_cls = (loss_cls_all[pos_inds].sum() + loss_cls_neg) / num_total_samples
        if self.reg_decoded_bbox:
            bbox_pred = self.bbox_coder.decode(anchor, bbox_pred)
        loss_bbox = smooth_l1_loss(bbox_pred, bbox_targets, bbox_weights, beta=self.train_cfg.smoothl1_beta,
                                   avg_factor=num_total_samples)
        return loss_cls[None], loss_bbox

    @force_fp32(apply_to=('cls_scores', 'bbox_preds'))
    def loss(self, cls_scores, bbox_preds, gt_bboxes, gt_labels, img_metas, gt_bboxes_ignore=None) -> dict:
        """Per image ``loss_cls`` and ``loss_bbox``, averaged over all images' positives."""
        flat = self._image_targets(cls_scores, bbox_preds, gt_bboxes, gt_labels, img_metas, gt_bboxes_ignore)
        if flat is None:
            return None
        losses_cls, losses_bbox = multi_apply(self.loss_single, *flat[:7], num_total_samples=flat[7])
        return dict(loss_cls=losses_cls, loss_bbox=losses_bbox)

    def _image_targets(self, cls_scores, bbox_preds, gt_bboxes, gt_labels, img_metas, gt_bboxes_ignore) -> tuple:
        """Per image (all levels): scores, box predictions, anchors, labels, label weights, box targets and box
        weights; the number of positives and the sampling results. None when an image has no anchor inside."""
        featmap_sizes = [featmap.size()[-2:] for featmap in cls_scores]
        anchor_list, valid_flag_list = self.get_anchors(featmap_sizes, img_metas, device=cls_scores[0].device)
        targets = self.get_targets(anchor_list, valid_flag_list, gt_bboxes, img_metas,
                                   gt_bboxes_ignore_list=gt_bboxes_ignore, gt_labels_list=gt_labels,
                                   label_channels=1, unmap_outputs=True, return_sampling_results=True)
        if targets is None:
            return None
        labels, label_weights, bbox_targets, bbox_weights, num_total_pos, _, sampling_results = targets
        num_images = len(img_metas)

        def per_image(levels, width=None):
            flat = [level.reshape(num_images, -1) if width is None else level.reshape(num_images, -1, width)
                    for level in levels]
            return torch.cat(flat, 1)

        return (per_image([s.permute(0, 2, 3, 1) for s in cls_scores], self.cls_out_channels),
                per_image([b.permute(0, 2, 3, 1) for b in bbox_preds], 4),
                [torch.cat(anchors) for anchors in anchor_list], per_image(labels), per_image(label_weights),
                per_image(bbox_targets, 4), per_image(bbox_weights, 4), num_total_pos, sampling_results)
