"""Cascade RPN (Vu et al., 2019): ``CascadeRPNHead`` runs ``StageCascadeRPNHead``\\ s, each refining the previous
stage's anchors, the later ones sampling features at the refined anchors with an ``AdaptiveConv``."""
from __future__ import annotations

import torch
import torch.nn as nn

from ...core.anchor import images_to_levels
from ...core.bbox import RegionAssigner, build_sampler
from ...core.utils import multi_apply, select_single_mlvl
from ...ops import DeformConv2d
from ...runner import BaseModule, ModuleList
from ..builder import HEADS, build_head
from .anchor_head import sampled_targets
from .base_dense_head import BaseDenseHead
from .rpn_head import RPNHead


class AdaptiveConv(BaseModule):
    """A 3x3 conv that is dilated (``type='dilation'``) or samples at given offsets (``type='offset'``: a
    deformable conv fed with the anchors' shapes and centres)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, stride: int = 1, padding: int = 1,
                 dilation: int = 3, groups: int = 1, bias: bool = False, type: str = 'dilation',  # noqa: A002
                 init_cfg=dict(type='Normal', std=0.01, override=dict(name='conv'))):  # noqa: B006
        super().__init__(init_cfg)
        if type not in ('offset', 'dilation'):
            raise ValueError(f"AdaptiveConv.type must be 'offset' or 'dilation', got {type!r}")
        if kernel_size != 3:
            raise ValueError(f'AdaptiveConv supports 3x3 kernels only, got {kernel_size}')
        self.adapt_type = type
        if type == 'offset':
            if (stride, padding, groups) != (1, 1, 1):
                raise ValueError('AdaptiveConv(type="offset") needs stride=1, padding=1, groups=1')
            self.conv = DeformConv2d(in_channels, out_channels, kernel_size, padding=padding, stride=stride,
                                     groups=groups, bias=bias)
        else:
            self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, padding=dilation, dilation=dilation)

    def forward(self, x: torch.Tensor, offset: torch.Tensor | None) -> torch.Tensor:
        if self.adapt_type == 'dilation':
            return self.conv(x)
        batch, _, height, width = x.shape
        if offset is None or offset.shape[1] != height * width:
            raise ValueError(f'AdaptiveConv(type="offset") needs one offset row per position ({height}x{width})')
        return self.conv(x, offset.permute(0, 2, 1).reshape(batch, -1, height, width).contiguous())


def _shape_offset(anchors: torch.Tensor, stride: float, kernel: int = 3, dilation: int = 1) -> tuple:
    """Per anchor, the kernel points' offsets that spread the 3x3 samples over the anchor box."""
    pad = (kernel - 1) // 2
    idx = torch.arange(-pad, pad + 1, dtype=anchors.dtype, device=anchors.device)
    yy, xx = torch.meshgrid(idx, idx, indexing='ij')
    w = (anchors[:, 2] - anchors[:, 0]) / stride / (kernel - 1) - dilation
    h = (anchors[:, 3] - anchors[:, 1]) / stride / (kernel - 1) - dilation
    return w[:, None] * xx.reshape(-1), h[:, None] * yy.reshape(-1)


def _centre_offset(anchors: torch.Tensor, stride: float, featmap_size) -> tuple:
    """Per anchor (one per cell), its centre minus its cell, in cells."""
    feat_h, feat_w = featmap_size
    x = (anchors[:, 0] + anchors[:, 2]) * 0.5 / stride
    y = (anchors[:, 1] + anchors[:, 3]) * 0.5 / stride
    yy, xx = torch.meshgrid(torch.arange(0, feat_h, device=anchors.device),
                            torch.arange(0, feat_w, device=anchors.device), indexing='ij')
    return x - xx.reshape(-1).type_as(x), y - yy.reshape(-1).type_as(y)


@HEADS.register_module()
class StageCascadeRPNHead(RPNHead):
    """One Cascade RPN stage: an ``AdaptiveConv`` (``adapt_cfg``), optional objectness (``with_cls``) and box
    deltas for anchors given by the previous stage (one square anchor per position at the first).

    Args:
        adapt_cfg: ``AdaptiveConv`` config (``type='dilation'`` or ``'offset'``).
        bridged_feature: Pass this stage's conv output on as the next stage's feature.
        with_cls: Predict objectness. sampling: Sample with ``train_cfg.sampler`` (else every anchor counts).
    """

    def __init__(self, in_channels: int,
                 anchor_generator=dict(type='AnchorGenerator', scales=[8], ratios=[1.0],  # noqa: B006
                                       strides=[4, 8, 16, 32, 64]),
                 adapt_cfg=dict(type='dilation', dilation=3), bridged_feature: bool = False,  # noqa: B006
                 with_cls: bool = True, sampling: bool = True, init_cfg=None, **kwargs):
        self.with_cls, self.bridged_feature, self.adapt_cfg = with_cls, bridged_feature, adapt_cfg
        self.anchor_strides, self.anchor_scales = anchor_generator['strides'], anchor_generator['scales']
        super().__init__(in_channels, anchor_generator=anchor_generator, init_cfg=init_cfg, **kwargs)
        self.sampling = sampling
        if self.train_cfg:
            sampler = self.train_cfg.get('sampler') if sampling else None
            self.sampler = build_sampler(sampler or dict(type='PseudoSampler'), context=self)
        if init_cfg is None:
            self.init_cfg = dict(type='Normal', std=0.01,
                                 override=[dict(name='rpn_reg')] + ([dict(name='rpn_cls')] if with_cls else []))

    def _init_layers(self) -> None:
        self.rpn_conv = AdaptiveConv(self.in_channels, self.feat_channels, **self.adapt_cfg)
        if self.with_cls:
            self.rpn_cls = nn.Conv2d(self.feat_channels, self.num_base_priors * self.cls_out_channels, 1)
        self.rpn_reg = nn.Conv2d(self.feat_channels, self.num_base_priors * 4, 1)
        self.relu = nn.ReLU(inplace=True)

    def forward_single(self, x, offset):
        out = self.relu(self.rpn_conv(x, offset))
        return (out if self.bridged_feature else x), (self.rpn_cls(out) if self.with_cls else None), self.rpn_reg(out)

    def forward(self, feats, offset_list=None):
        """Per level: the feature for the next stage, objectness (or None) and deltas."""
        return multi_apply(self.forward_single, feats, offset_list or [None] * len(feats))

    def _region_targets_single(self, anchors, valid_flags, gt_bboxes, gt_bboxes_ignore, gt_labels, img_meta,
                               featmap_sizes, label_channels=1):
        assign_result = self.assigner.assign(anchors, valid_flags, gt_bboxes, img_meta, featmap_sizes,
                                             self.anchor_scales[0], self.anchor_strides,
                                             gt_bboxes_ignore=gt_bboxes_ignore, gt_labels=None,
                                             allowed_border=self.train_cfg.allowed_border)
        flat_anchors = torch.cat(anchors)
        result = self.sampler.sample(assign_result, flat_anchors, gt_bboxes)
        targets = sampled_targets(result, flat_anchors.shape[0], gt_labels, self.num_classes,
                                  self.train_cfg.pos_weight, None if self.reg_decoded_bbox else self.bbox_coder.encode)
        labels = targets[0]
        if gt_labels is None:  # (as mmdet: positives 1, the rest 0; only the regression uses them)
            labels = torch.zeros_like(labels)
            labels[result.pos_inds] = 1
        return (labels, *targets[1:], result.pos_inds, result.neg_inds)

    def region_targets(self, anchor_list, valid_flag_list, gt_bboxes_list, img_metas, featmap_sizes,
                       gt_bboxes_ignore_list=None, gt_labels_list=None, label_channels=1) -> tuple:
        """:meth:`get_targets` for a ``RegionAssigner``."""
        num_imgs, num_level_anchors = len(img_metas), [anchors.size(0) for anchors in anchor_list[0]]
        results = multi_apply(self._region_targets_single, anchor_list, valid_flag_list, gt_bboxes_list,
                              gt_bboxes_ignore_list or [None] * num_imgs, gt_labels_list or [None] * num_imgs,
                              img_metas, featmap_sizes=featmap_sizes, label_channels=label_channels)
        return (*(images_to_levels(r, num_level_anchors) for r in results[:4]),
                sum(max(inds.numel(), 1) for inds in results[4]), sum(max(inds.numel(), 1) for inds in results[5]))

    def get_targets(self, anchor_list, valid_flag_list, gt_bboxes, img_metas, featmap_sizes, gt_bboxes_ignore=None,
                    label_channels=1) -> tuple:
        """Per level labels, label weights, box targets and weights, and the positive/negative counts."""
        if isinstance(self.assigner, RegionAssigner):
            return self.region_targets(anchor_list, valid_flag_list, gt_bboxes, img_metas, featmap_sizes,
                                       gt_bboxes_ignore_list=gt_bboxes_ignore, label_channels=label_channels)
        return super().get_targets(anchor_list, valid_flag_list, gt_bboxes, img_metas,
                                   gt_bboxes_ignore_list=gt_bboxes_ignore, label_channels=label_channels)

    def anchor_offset(self, anchor_list, anchor_strides, featmap_sizes) -> list:
        """Per level ``(N, anchors, 18)`` deformable-conv offsets that sample each anchor's box."""
        offsets = []
        for anchors_per_img in anchor_list:
            mlvl = []
            for anchors, stride, size in zip(anchors_per_img, anchor_strides, featmap_sizes):
                ctr_x, ctr_y = _centre_offset(anchors, stride, size)
                shape_x, shape_y = _shape_offset(anchors, stride)
                offset = torch.stack([shape_y + ctr_y[:, None], shape_x + ctr_x[:, None]], dim=-1)
                mlvl.append(offset.reshape(offset.size(0), -1))
            offsets.append(torch.cat(mlvl))
        return images_to_levels(offsets, [anchors.size(0) for anchors in anchor_list[0]])

    def loss_single(self, cls_score, bbox_pred, anchors, labels, label_weights, bbox_targets, bbox_weights,
                    num_total_samples):
        loss_cls = None
        if self.with_cls:
            loss_cls = self.loss_cls(cls_score.permute(0, 2, 3, 1).reshape(-1, self.cls_out_channels),
                                     labels.reshape(-1), label_weights.reshape(-1), avg_factor=num_total_samples)
        bbox_pred = bbox_pred.permute(0, 2, 3, 1).reshape(-1, 4)
        if self.reg_decoded_bbox:
            bbox_pred = self.bbox_coder.decode(anchors.reshape(-1, 4), bbox_pred)
        loss_reg = self.loss_bbox(bbox_pred, bbox_targets.reshape(-1, 4), bbox_weights.reshape(-1, 4),
                                  avg_factor=num_total_samples)
        return loss_cls, loss_reg

    def loss(self, anchor_list, valid_flag_list, cls_scores, bbox_preds, gt_bboxes, img_metas,
             gt_bboxes_ignore=None) -> dict:
        """``loss_rpn_reg`` (and ``loss_rpn_cls`` with ``with_cls``) per level."""
        featmap_sizes = [featmap.size()[-2:] for featmap in bbox_preds]
        targets = self.get_targets(anchor_list, valid_flag_list, gt_bboxes, img_metas, featmap_sizes,
                                   gt_bboxes_ignore=gt_bboxes_ignore,
                                   label_channels=self.cls_out_channels if self.use_sigmoid_cls else 1)
        if targets is None:
            return None
        labels, label_weights, bbox_targets, bbox_weights, num_pos, num_neg = targets
        # without sampling mmdet normalises by the number of anchors / 200
        num_total_samples = num_pos + num_neg if self.sampling else sum(label.numel() for label in labels) / 200.0
        level_anchors = [torch.cat(anchors, dim=0) for anchors in zip(*anchor_list)]
        losses_cls, losses_reg = multi_apply(self.loss_single, cls_scores, bbox_preds, level_anchors, labels,
                                             label_weights, bbox_targets, bbox_weights,
                                             num_total_samples=num_total_samples)
        return dict(loss_rpn_cls=losses_cls, loss_rpn_reg=losses_reg) if self.with_cls else \
            dict(loss_rpn_reg=losses_reg)

    def get_bboxes(self, anchor_list, cls_scores, bbox_preds, img_metas, cfg, rescale: bool = False) -> list:
        """Per image ``(n, 5)`` proposals from each image's own (refined) anchors."""
        return [self._get_bboxes_single(select_single_mlvl(cls_scores, i), select_single_mlvl(bbox_preds, i), None,
                                        anchor_list[i], meta, cfg, rescale) for i, meta in enumerate(img_metas)]

    def refine_bboxes(self, anchor_list, bbox_preds, img_metas) -> list:
        """Per image, per level the anchors moved by this stage's (detached) deltas."""
        return [[self.bbox_coder.decode(anchor_list[img_id][level],
                                        bbox_preds[level][img_id].detach().permute(1, 2, 0).reshape(-1, 4),
                                        meta['img_shape']) for level in range(len(bbox_preds))]
                for img_id, meta in enumerate(img_metas)]


@HEADS.register_module()
class CascadeRPNHead(BaseDenseHead):
    """``num_stages`` ``StageCascadeRPNHead``\\ s; ``train_cfg`` is a list with one config per stage. Losses are
    named ``s{i}.loss_rpn_*``; proposals come from the last stage (in training with the detector's
    ``rpn_proposal`` config)."""

    per_stage_train_cfg = True

    def __init__(self, num_stages: int, stages: list, train_cfg, test_cfg, init_cfg=None):
        super().__init__(init_cfg)
        if num_stages != len(stages):
            raise ValueError(f'CascadeRPNHead: num_stages={num_stages} but {len(stages)} stage configs')
        if train_cfg is not None and (not isinstance(train_cfg, (list, tuple)) or len(train_cfg) != num_stages):
            raise ValueError(f'CascadeRPNHead: train_cfg.rpn must be a list of {num_stages} configs, one per stage')
        self.num_stages, self.train_cfg, self.test_cfg = num_stages, train_cfg, test_cfg
        self.stages = ModuleList([build_head(dict(stage, train_cfg=None if train_cfg is None else train_cfg[i],
                                                  test_cfg=test_cfg)) for i, stage in enumerate(stages)])

    def _run_stages(self, x, img_metas, on_stage=None) -> tuple:
        featmap_sizes = [featmap.size()[-2:] for featmap in x]
        anchor_list, valid_flag_list = self.stages[0].get_anchors(featmap_sizes, img_metas, device=x[0].device)
        for i, stage in enumerate(self.stages):
            offsets = stage.anchor_offset(anchor_list, stage.anchor_strides, featmap_sizes) \
                if stage.adapt_cfg['type'] == 'offset' else None
            x, cls_score, bbox_pred = stage(x, offsets)
            if on_stage is not None:
                on_stage(i, stage, anchor_list, valid_flag_list, cls_score, bbox_pred)
            if i < self.num_stages - 1:
                anchor_list = stage.refine_bboxes(anchor_list, bbox_pred, img_metas)
        return anchor_list, cls_score, bbox_pred

    def forward_train(self, x, img_metas, gt_bboxes, gt_labels=None, gt_bboxes_ignore=None, proposal_cfg=None):
        """``s{i}.loss_rpn_*`` of every stage (and the proposals, with ``proposal_cfg``)."""
        if gt_labels is not None:
            raise ValueError('CascadeRPNHead is class-agnostic: gt_labels must be None')
        losses = {}

        def stage_loss(i, stage, anchor_list, valid_flag_list, cls_score, bbox_pred):
            stage_losses = stage.loss(anchor_list, valid_flag_list, cls_score, bbox_pred, gt_bboxes, img_metas)
            losses.update({f's{i}.{name}': value for name, value in stage_losses.items()})

        anchor_list, cls_score, bbox_pred = self._run_stages(x, img_metas, stage_loss)
        if proposal_cfg is None:
            return losses
        # (mmdet 2.x used test_cfg here, ignoring the rpn_proposal config it was given)
        return losses, self.stages[-1].get_bboxes(anchor_list, cls_score, bbox_pred, img_metas, proposal_cfg)

    def simple_test_rpn(self, x, img_metas) -> list:
        anchor_list, cls_score, bbox_pred = self._run_stages(x, img_metas)
        return self.stages[-1].get_bboxes(anchor_list, cls_score, bbox_pred, img_metas, self.test_cfg)

    def forward(self, x):
        """The last stage's objectness and deltas for an unpadded batch (for FLOPs counting)."""
        stride = self.stages[0].anchor_strides[0]
        shape = (x[0].shape[-2] * stride, x[0].shape[-1] * stride, 3)
        metas = [dict(img_shape=shape, pad_shape=shape)] * x[0].size(0)
        return self._run_stages(x, metas)[1:]

    def aug_test_rpn(self, x, img_metas):
        raise NotImplementedError('CascadeRPNHead does not support test-time augmentation (neither does mmdet 2.x)')
