"""``DDODHead``: ATSS-style anchors with disentangled label assignment, features and level weighting (DDOD)."""
from __future__ import annotations

import torch
import torch.nn as nn

from ...cnn import ConvModule, Scale, bias_init_with_prob, normal_init
from ...core.anchor import anchor_inside_flags, images_to_levels
from ...core.bbox import bbox_overlaps, build_assigner, build_sampler
from ...core.utils import multi_apply, reduce_mean, unmap
from ...runner import force_fp32
from ..builder import HEADS, build_loss
from .anchor_free_head import tower_features
from .anchor_head import AnchorHead, sampled_targets


@HEADS.register_module()
class DDODHead(AnchorHead):
    """DDOD (Chen et al., 2021): classification and regression targets from two ``ATSSAssigner``\\ s that rank
    the anchors by the current predictions (``train_cfg.assigner`` and ``train_cfg.reg_assigner``), a DCN first
    conv in each tower (``use_dcn``), an IoU branch (``loss_iou``; its sigmoid multiplies the scores at test
    time) and per-level loss weights from 2 (the level with the fewest positives so far) down to 1 (the most).

    The positive counts behind the level weights accumulate over the run, both assignments into one counter,
    as in mmdet 2.x; they live in ``cls_num_pos_samples_per_level`` (not in checkpoints).

    Args:
        stacked_convs: Convs per tower. Defaults to 4.
        conv_cfg / norm_cfg: Tower conv and norm (GN with 32 groups by default).
        use_dcn: A deformable first conv in both towers. Defaults to True.
        loss_iou: Loss of the predicted IoU of the positives' boxes with their targets.
    """

    extra_train_cfg_keys = ('reg_assigner', )
    required_train_cfg_keys = ('assigner', 'reg_assigner', 'allowed_border', 'pos_weight')

    def __init__(self, num_classes: int, in_channels: int, stacked_convs: int = 4, conv_cfg=None,
                 use_dcn: bool = True, norm_cfg=dict(type='GN', num_groups=32, requires_grad=True),  # noqa: B006
                 loss_iou=dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0),  # noqa: B006
                 **kwargs):
        self.stacked_convs, self.conv_cfg, self.norm_cfg, self.use_dcn = stacked_convs, conv_cfg, norm_cfg, use_dcn
        super().__init__(num_classes, in_channels, **kwargs)
        self.loss_iou = build_loss(loss_iou)
        self.cls_num_pos_samples_per_level = torch.zeros(self.prior_generator.num_levels, dtype=torch.float64)

    def _init_assigner_sampler(self, loss_cls: dict) -> None:
        self.sampling = False
        self.cls_assigner = build_assigner(self.train_cfg.assigner)
        self.reg_assigner = build_assigner(self.train_cfg.reg_assigner)
        self.sampler = build_sampler(dict(type='PseudoSampler'), context=self)

    def _tower(self) -> nn.ModuleList:
        first = dict(type='DCN', deform_groups=1) if self.use_dcn else self.conv_cfg
        return nn.ModuleList([
            ConvModule(self.in_channels if i == 0 else self.feat_channels, self.feat_channels, 3, padding=1,
                       conv_cfg=first if i == 0 else self.conv_cfg, norm_cfg=self.norm_cfg)
            for i in range(self.stacked_convs)])

    def _init_layers(self) -> None:
        self.relu = nn.ReLU(inplace=True)
        self.cls_convs, self.reg_convs = self._tower(), self._tower()
        for name, channels in (('atss_cls', self.cls_out_channels), ('atss_reg', 4), ('atss_iou', 1)):
            setattr(self, name, nn.Conv2d(self.feat_channels, self.num_base_priors * channels, 3, padding=1))
        self.scales = nn.ModuleList([Scale(1.0) for _ in self.prior_generator.strides])

    def init_weights(self) -> None:
        """Normal(0, 0.01) convs (the DCN offsets stay zero), the classifier's bias at prior 0.01."""
        for module in (*self.cls_convs, *self.reg_convs):
            normal_init(module.conv, std=0.01)
        normal_init(self.atss_reg, std=0.01)
        normal_init(self.atss_iou, std=0.01)
        normal_init(self.atss_cls, std=0.01, bias=bias_init_with_prob(0.01))

    def forward(self, feats):
        """Per level ``cls_score``, ``bbox_pred`` (deltas) and ``iou_pred`` logits."""
        return multi_apply(self.forward_single, feats, self.scales)

    def forward_single(self, x, scale):
        cls_feat, reg_feat = tower_features(x, self.cls_convs, self.reg_convs)
        return self.atss_cls(cls_feat), scale(self.atss_reg(reg_feat)).float(), self.atss_iou(reg_feat)

    def _targets_single(self, flat_anchors, valid_flags, cls_score, bbox_pred, gt_bboxes, gt_bboxes_ignore,
                        gt_labels, img_meta, num_level_anchors, assigner):
        """One image's targets from ``assigner`` ranking its anchors by the (decoded) predictions."""
        inside = anchor_inside_flags(flat_anchors, valid_flags, img_meta['img_shape'][:2],
                                     self.train_cfg.allowed_border)
        if not inside.any():
            return (None, ) * 6
        anchors = flat_anchors[inside]
        level_inside = [int(flags.sum()) for flags in torch.split(inside, num_level_anchors)]
        assign_result = assigner.assign(anchors, level_inside, gt_bboxes, gt_bboxes_ignore, gt_labels,
                                        cls_score[inside].detach(),
                                        self.bbox_coder.decode(anchors, bbox_pred[inside].detach()))
        sampling_result = self.sampler.sample(assign_result, anchors, gt_bboxes)
        targets = sampled_targets(sampling_result, len(anchors), gt_labels, self.num_classes,
                                  self.train_cfg.pos_weight, self.bbox_coder.encode)
        fills = (self.num_classes, 0, 0, 0)
        targets = [unmap(t, flat_anchors.size(0), inside, fill=fill) for t, fill in zip(targets, fills)]
        return (*targets, sampling_result.pos_inds.numel())

    def get_targets(self, anchor_list, valid_flag_list, cls_scores, bbox_preds, gt_bboxes_list, img_metas,
                    gt_bboxes_ignore_list=None, gt_labels_list=None, assigner=None):
        """Per level ``labels``, ``label_weights``, ``bbox_targets`` (deltas), ``bbox_weights`` of all images
        from ``assigner`` (default the classification one), and the positives (averaged over processes, ≥ 1)."""
        num_imgs, num_level_anchors = len(img_metas), [anchors.size(0) for anchors in anchor_list[0]]
        flat_scores = [torch.cat([s[i].permute(1, 2, 0).reshape(-1, self.cls_out_channels) for s in cls_scores])
                       for i in range(num_imgs)]
        flat_preds = [torch.cat([p[i].permute(1, 2, 0).reshape(-1, 4) for p in bbox_preds]) for i in range(num_imgs)]
        results = multi_apply(self._targets_single, [torch.cat(a) for a in anchor_list],
                              [torch.cat(f) for f in valid_flag_list], flat_scores, flat_preds, gt_bboxes_list,
                              gt_bboxes_ignore_list or [None] * num_imgs, gt_labels_list or [None] * num_imgs,
                              img_metas, num_level_anchors=num_level_anchors,
                              assigner=assigner or self.cls_assigner)
        if any(labels is None for labels in results[0]):
            return None
        num_pos = sum(max(n, 1) for n in results[4])
        num_total_samples = reduce_mean(results[0][0].new_tensor(num_pos, dtype=torch.float)).clamp(min=1.0)
        return tuple(images_to_levels(r, num_level_anchors) for r in results[:4]) + (num_total_samples, )

    def calc_reweight_factor(self, labels_list: list) -> list:
        """Add these targets' positives per level to the running counts; each level's loss weight, from 2 (the
        fewest positives) to 1 (the most), linear in the counts."""
        positives = torch.stack([((labels >= 0) & (labels < self.num_classes)).sum() for labels in labels_list])
        counts = self.cls_num_pos_samples_per_level.to(positives.device) + positives
        self.cls_num_pos_samples_per_level = counts
        low = counts.min()
        return list((2. - (counts - low) / (counts.max() - low + 1e-10)).float())

    def loss_cls_single(self, cls_score, labels, label_weights, reweight_factor, num_total_samples):
        cls_score = cls_score.permute(0, 2, 3, 1).reshape(-1, self.cls_out_channels).contiguous()
        loss = self.loss_cls(cls_score, labels.reshape(-1), label_weights.reshape(-1), avg_factor=num_total_samples)
        return reweight_factor * loss,

    def loss_reg_single(self, anchors, bbox_pred, iou_pred, labels, bbox_targets, bbox_weights, reweight_factor,
                        num_total_samples):
        """One level's GIoU-type ``loss_bbox`` on decoded boxes and ``loss_iou`` (predicted vs achieved IoU)."""
        anchors, bbox_pred = anchors.reshape(-1, 4), bbox_pred.permute(0, 2, 3, 1).reshape(-1, 4)
        iou_pred, labels = iou_pred.permute(0, 2, 3, 1).reshape(-1), labels.reshape(-1)
        bbox_targets, bbox_weights = bbox_targets.reshape(-1, 4), bbox_weights.reshape(-1, 4)
        pos_inds = ((labels >= 0) & (labels < self.num_classes)).nonzero().squeeze(1)
        if len(pos_inds) == 0:
            return reweight_factor * (bbox_pred.sum() * 0), reweight_factor * (iou_pred.sum() * 0)
        pos_anchors = anchors[pos_inds]
        pos_decoded = self.bbox_coder.decode(pos_anchors, bbox_pred[pos_inds])
        pos_decoded_targets = self.bbox_coder.decode(pos_anchors, bbox_targets[pos_inds])
        loss_bbox = self.loss_bbox(pos_decoded, pos_decoded_targets, avg_factor=num_total_samples)
        iou_targets = iou_pred.new_zeros(labels.shape)
        iou_targets[pos_inds] = bbox_overlaps(pos_decoded.detach(), pos_decoded_targets, is_aligned=True)
        iou_weights = (bbox_weights.sum(dim=1) > 0).to(iou_pred.dtype)
        loss_iou = self.loss_iou(iou_pred, iou_targets, iou_weights, avg_factor=num_total_samples)
        return reweight_factor * loss_bbox, reweight_factor * loss_iou

    @force_fp32(apply_to=('cls_scores', 'bbox_preds', 'iou_preds'))
    def loss(self, cls_scores, bbox_preds, iou_preds, gt_bboxes, gt_labels, img_metas, gt_bboxes_ignore=None):
        """Per level ``loss_cls`` (classification targets), ``loss_bbox`` and ``loss_iou`` (regression
        targets), each times its level's weight."""
        featmap_sizes = [featmap.size()[-2:] for featmap in cls_scores]
        anchor_list, valid_flag_list = self.get_anchors(featmap_sizes, img_metas, device=cls_scores[0].device)
        args = (anchor_list, valid_flag_list, cls_scores, bbox_preds, gt_bboxes, img_metas, gt_bboxes_ignore,
                gt_labels)
        cls_targets = self.get_targets(*args, assigner=self.cls_assigner)
        if cls_targets is None:
            return None
        labels, label_weights, _, _, num_total_samples = cls_targets
        losses_cls, = multi_apply(self.loss_cls_single, cls_scores, labels, label_weights,
                                  self.calc_reweight_factor(labels), num_total_samples=num_total_samples)
        reg_targets = self.get_targets(*args, assigner=self.reg_assigner)
        if reg_targets is None:
            return None
        labels, _, bbox_targets, bbox_weights, num_total_samples = reg_targets
        num_level_anchors = [anchors.size(0) for anchors in anchor_list[0]]
        all_anchors = images_to_levels([torch.cat(a) for a in anchor_list], num_level_anchors)
        losses_bbox, losses_iou = multi_apply(self.loss_reg_single, all_anchors, bbox_preds, iou_preds, labels,
                                              bbox_targets, bbox_weights, self.calc_reweight_factor(labels),
                                              num_total_samples=num_total_samples)
        return dict(loss_cls=losses_cls, loss_bbox=losses_bbox, loss_iou=losses_iou)
