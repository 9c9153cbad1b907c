"""``AnchorHead``: anchor targets (assign + sample per image) and per-level losses."""
from __future__ import annotations

import warnings

import torch
import torch.nn as nn

from ...core.anchor import anchor_inside_flags, build_prior_generator, images_to_levels
from ...core.bbox import build_assigner, build_bbox_coder, build_sampler
from ...core.utils import multi_apply, unmap
from ...runner import force_fp32
from ..builder import HEADS, build_loss
from .base_dense_head import BaseDenseHead

_NO_SAMPLING_LOSSES = ('FocalLoss', 'GHMC', 'QualityFocalLoss')


def sampled_targets(sampling_result, num: int, gt_labels, num_classes: int, pos_weight: float,
                    encode=None) -> tuple:
    """Per candidate (``num`` of them): label (``num_classes`` for background; 0 for RPN's foreground when
    ``gt_labels`` is None), label weight (``pos_weight`` for positives when > 0, else 1; 1 for negatives;
    0 otherwise), box target (the gt box, or ``encode(candidate, gt)``) and box weight (1 for positives)."""
    reference = sampling_result.pos_gt_bboxes
    bbox_targets, bbox_weights = reference.new_zeros((num, 4)), reference.new_zeros((num, 4))
    labels = reference.new_full((num, ), num_classes, dtype=torch.long)
    label_weights = reference.new_zeros(num, dtype=torch.float)
    pos_inds, neg_inds = sampling_result.pos_inds, sampling_result.neg_inds
    if len(pos_inds) > 0:
        bbox_targets[pos_inds, :] = (sampling_result.pos_gt_bboxes if encode is None else
                                     encode(sampling_result.pos_bboxes, sampling_result.pos_gt_bboxes))
        bbox_weights[pos_inds, :] = 1.0
        labels[pos_inds] = 0 if gt_labels is None else gt_labels[sampling_result.pos_assigned_gt_inds]
        label_weights[pos_inds] = 1.0 if pos_weight <= 0 else pos_weight
    if len(neg_inds) > 0:
        label_weights[neg_inds] = 1.0
    return labels, label_weights, bbox_targets, bbox_weights


@HEADS.register_module()
class AnchorHead(BaseDenseHead):
    """A single-conv anchor head; the base of RPNHead and RetinaHead.

    Args:
        num_classes: Foreground classes.
        in_channels: Input channels.
        feat_channels: Hidden channels. Defaults to 256.
        anchor_generator / bbox_coder / loss_cls / loss_bbox: Component configs.
        reg_decoded_bbox: Regress decoded boxes (for IoU-type losses). Defaults to False.
        train_cfg / test_cfg: ``assigner``, ``sampler``, ``allowed_border``, ``pos_weight`` /
            ``nms_pre``, ``score_thr``, ``nms``, ``max_per_img``.
    """

    def __init__(self, num_classes: int, in_channels: int, feat_channels: int = 256,
                 anchor_generator=dict(type='AnchorGenerator', scales=[8, 16, 32], ratios=[0.5, 1.0, 2.0],  # noqa: B006
                                       strides=[4, 8, 16, 32, 64]),
                 bbox_coder=dict(type='DeltaXYWHBBoxCoder', clip_border=True,  # noqa: B006
                                 target_means=(.0, .0, .0, .0), target_stds=(1.0, 1.0, 1.0, 1.0)),
                 reg_decoded_bbox: bool = False,
                 loss_cls=dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0),  # noqa: B006
                 loss_bbox=dict(type='SmoothL1Loss', beta=1.0 / 9.0, loss_weight=1.0),  # noqa: B006
                 train_cfg=None, test_cfg=None,
                 init_cfg=dict(type='Normal', layer='Conv2d', std=0.01)):  # noqa: B006
        super().__init__(init_cfg)
        self.in_channels, self.num_classes, self.feat_channels = in_channels, num_classes, feat_channels
        self.use_sigmoid_cls = loss_cls.get('use_sigmoid', False)
        self.cls_out_channels = num_classes if self.use_sigmoid_cls else num_classes + 1
        if self.cls_out_channels <= 0:
            raise ValueError(f'num_classes={num_classes} is too small')
        self.reg_decoded_bbox = reg_decoded_bbox
        self.bbox_coder = build_bbox_coder(bbox_coder)
        self.loss_cls = build_loss(loss_cls)
        self.loss_bbox = build_loss(loss_bbox)
        self.train_cfg, self.test_cfg = train_cfg, test_cfg
        if self.train_cfg:
            self._init_assigner_sampler(loss_cls)
        self.fp16_enabled = False
        self.prior_generator = build_prior_generator(anchor_generator)
        self.num_base_priors = self.prior_generator.num_base_priors[0]
        self._init_layers()

    def _init_assigner_sampler(self, loss_cls: dict) -> None:
        self.assigner = build_assigner(self.train_cfg.assigner)
        sampler_cfg = self.train_cfg.get('sampler')
        self.sampling = sampler_cfg is not None and sampler_cfg['type'].split('.')[-1] != 'PseudoSampler'
        if self.sampling and loss_cls['type'] in _NO_SAMPLING_LOSSES:
            warnings.warn('DeprecationWarning: Determining whether to sampling by loss type is deprecated, '
                          'please delete sampler in your config when using `FocalLoss`, `GHMC`, '
                          '`QualityFocalLoss` or other FocalLoss variant.')
            self.sampling = False
        self.sampler = build_sampler(sampler_cfg if self.sampling else dict(type='PseudoSampler'), context=self)

    @property
    def num_anchors(self) -> int:
        warnings.warn('DeprecationWarning: `num_anchors` is deprecated, use `num_base_priors` instead')
        return self.num_base_priors

    @property
    def anchor_generator(self):
        warnings.warn('DeprecationWarning: anchor_generator is deprecated, use prior_generator instead')
        return self.prior_generator

    def _init_layers(self) -> None:
        self.conv_cls = nn.Conv2d(self.in_channels, self.num_base_priors * self.cls_out_channels, 1)
        self.conv_reg = nn.Conv2d(self.in_channels, self.num_base_priors * 4, 1)

    def forward_single(self, x):
        return self.conv_cls(x), self.conv_reg(x)

    def forward(self, feats):
        return multi_apply(self.forward_single, feats)

    def get_anchors(self, featmap_sizes, img_metas, device='cuda') -> tuple[list, list]:
        """Anchors (shared by the images) and per-image valid flags, per level."""
        anchors = self.prior_generator.grid_priors(featmap_sizes, device=device)
        valid = [self.prior_generator.valid_flags(featmap_sizes, meta['pad_shape'], device) for meta in img_metas]
        return [anchors for _ in img_metas], valid

    def _assign(self, anchors, inside_flags, num_level_anchors: list, gt_bboxes, gt_bboxes_ignore, gt_labels):
        """Assign the anchors inside the image (``inside_flags`` of all ``num_level_anchors``) to the gts."""
        return self.assigner.assign(anchors, gt_bboxes, gt_bboxes_ignore, gt_labels)

    def _get_targets_single(self, flat_anchors, valid_flags, gt_bboxes, gt_bboxes_ignore, gt_labels, img_meta,
                            label_channels=1, unmap_outputs=True, num_level_anchors=None):
        inside = anchor_inside_flags(flat_anchors, valid_flags, img_meta['img_shape'][:2],
                                     self.train_cfg.allowed_border)
        if not inside.any():
            return (None, ) * 7
        anchors = flat_anchors[inside, :]
        assign_result = self._assign(anchors, inside, num_level_anchors, gt_bboxes, gt_bboxes_ignore,
                                     None if self.sampling else gt_labels)
        sampling_result = self.sampler.sample(assign_result, anchors, gt_bboxes)
        encode = None if self.reg_decoded_bbox else self.bbox_coder.encode
        labels, label_weights, bbox_targets, bbox_weights = sampled_targets(
            sampling_result, len(anchors), gt_labels, self.num_classes, self.train_cfg.pos_weight, encode)
        pos_inds, neg_inds = sampling_result.pos_inds, sampling_result.neg_inds
        if unmap_outputs:
            total = flat_anchors.size(0)
            labels = unmap(labels, total, inside, fill=self.num_classes)
            label_weights = unmap(label_weights, total, inside)
            bbox_targets = unmap(bbox_targets, total, inside)
            bbox_weights = unmap(bbox_weights, total, inside)
        return labels, label_weights, bbox_targets, bbox_weights, pos_inds, neg_inds, sampling_result

    def get_targets(self, anchor_list, valid_flag_list, gt_bboxes_list, img_metas, gt_bboxes_ignore_list=None,
                    gt_labels_list=None, label_channels=1, unmap_outputs=True, return_sampling_results=False):
        """Per-level labels, label weights, box targets and weights, plus positive/negative counts."""
        num_imgs = len(img_metas)
        num_level_anchors = [anchors.size(0) for anchors in anchor_list[0]]
        concat_anchors = [torch.cat(anchors) for anchors in anchor_list]
        concat_valid = [torch.cat(flags) for flags in valid_flag_list]
        results = multi_apply(self._get_targets_single, concat_anchors, concat_valid, gt_bboxes_list,
                              gt_bboxes_ignore_list or [None] * num_imgs, gt_labels_list or [None] * num_imgs,
                              img_metas, label_channels=label_channels, unmap_outputs=unmap_outputs,
                              num_level_anchors=num_level_anchors)
        labels, label_weights, bbox_targets, bbox_weights, pos_inds, neg_inds, sampling_results = results[:7]
        if any(lab is None for lab in labels):
            return None
        num_total_pos = sum(max(inds.numel(), 1) for inds in pos_inds)
        num_total_neg = sum(max(inds.numel(), 1) for inds in neg_inds)
        res = (images_to_levels(labels, num_level_anchors), images_to_levels(label_weights, num_level_anchors),
               images_to_levels(bbox_targets, num_level_anchors), images_to_levels(bbox_weights, num_level_anchors),
               num_total_pos, num_total_neg)
        if return_sampling_results:
            res = res + (sampling_results, )
        return res + tuple(images_to_levels(r, num_level_anchors) for r in results[7:])

    def loss_single(self, cls_score, bbox_pred, anchors, labels, label_weights, bbox_targets, bbox_weights,
                    num_total_samples):
        labels, label_weights = labels.reshape(-1), label_weights.reshape(-1)
        cls_score = cls_score.permute(0, 2, 3, 1).reshape(-1, self.cls_out_channels)
        loss_cls = self.loss_cls(cls_score, labels, label_weights, avg_factor=num_total_samples)
        bbox_targets, bbox_weights = bbox_targets.reshape(-1, 4), bbox_weights.reshape(-1, 4)
        bbox_pred = bbox_pred.permute(0, 2, 3, 1).reshape(-1, 4)
        if self.reg_decoded_bbox:
            bbox_pred = self.bbox_coder.decode(anchors.reshape(-1, 4), bbox_pred)
        loss_bbox = self.loss_bbox(bbox_pred, bbox_targets, bbox_weights, avg_factor=num_total_samples)
        return loss_cls, loss_bbox

    def _anchor_targets(self, cls_scores, gt_bboxes, gt_labels, img_metas, gt_bboxes_ignore) -> tuple:
        """Per level the anchors of all images, and :meth:`get_targets`' result (None when an image has no
        anchor inside)."""
        featmap_sizes = [featmap.size()[-2:] for featmap in cls_scores]
        anchor_list, valid_flag_list = self.get_anchors(featmap_sizes, img_metas, device=cls_scores[0].device)
        targets = self.get_targets(anchor_list, valid_flag_list, gt_bboxes, img_metas,
                                   gt_bboxes_ignore_list=gt_bboxes_ignore, gt_labels_list=gt_labels,
                                   label_channels=self.cls_out_channels if self.use_sigmoid_cls else 1)
        num_level_anchors = [anchors.size(0) for anchors in anchor_list[0]]
        return images_to_levels([torch.cat(a) for a in anchor_list], num_level_anchors), targets

    @force_fp32(apply_to=('cls_scores', 'bbox_preds'))
    def loss(self, cls_scores, bbox_preds, gt_bboxes, gt_labels, img_metas, gt_bboxes_ignore=None) -> dict:
        all_anchors, targets = self._anchor_targets(cls_scores, gt_bboxes, gt_labels, img_metas, gt_bboxes_ignore)
        if targets is None:
            return None
        labels, label_weights, bbox_targets, bbox_weights, num_pos, num_neg = targets
        num_total_samples = num_pos + num_neg if self.sampling else num_pos
        losses_cls, losses_bbox = multi_apply(self.loss_single, cls_scores, bbox_preds, all_anchors, labels,
                                              label_weights, bbox_targets, bbox_weights,
                                              num_total_samples=num_total_samples)
        return dict(loss_cls=losses_cls, loss_bbox=losses_bbox)
