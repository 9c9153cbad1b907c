"""``VFNetHead``: VarifocalNet's IoU-aware scores, star-shaped deformable features and box refinement."""
from __future__ import annotations

import torch
import torch.nn as nn

from ...cnn import ConvModule, Scale
from ...core.anchor import MlvlPointGenerator, build_prior_generator
from ...core.bbox import bbox_overlaps
from ...core.utils import multi_apply, reduce_mean
from ...ops import DeformConv2d
from ...runner import force_fp32
from ..builder import HEADS, build_loss
from .anchor_free_head import AnchorFreeHead, conv_towers, tower_features
from .anchor_head import AnchorHead
from .atss_head import ATSSAssignMixin
from .fcos_head import INF, FCOSHead

# the 3x3 kernel's sampling positions (dy, dx), row by row: what deformable offsets are relative to
_KERNEL_GRID = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]


@HEADS.register_module()
class VFNetHead(ATSSAssignMixin, FCOSHead):
    """VarifocalNet (Zhang et al., 2021).

    Per point: a first box (side distances, ``exp`` times the level's ``reg_denom`` or stride); a 3x3
    deformable conv sampling the first box's star (its corners, edge midpoints and centre, the box
    gradient scaled by ``gradient_mul``) feeds both the refinement (a factor on the detached first box)
    and the IoU-aware class score. Positives come from ATSS on one square anchor per point (``use_atss``;
    otherwise FCOS's ranges); the score is trained with ``VarifocalLoss`` towards the refined box's IoU
    (``use_vfl``; otherwise focal loss on labels), both boxes with IoU-weighted GIoU losses
    (``loss_bbox``, ``loss_bbox_rf``). At test time the refined boxes are decoded.

    Args:
        regress_ranges / center_sampling / center_sample_radius: FCOS targets (``use_atss=False``).
        sync_num_pos: Average the number of positives over processes. Defaults to True.
        gradient_mul: Gradient share of the first box in the deformable offsets. Defaults to 0.1.
        bbox_norm_type: ``'reg_denom'`` (each level's upper regress range) or ``'stride'``.
        loss_cls_fl / use_vfl / loss_cls: Focal loss, or (default) varifocal loss.
        loss_bbox / loss_bbox_refine: GIoU losses of the first and refined boxes.
        use_atss / anchor_generator: ATSS targets on these anchors (one per point, 8 strides wide).
        reg_decoded_bbox: Must be True (the targets are decoded boxes).
    """

    rename_v1_predictors = False  # mmdet 2.x names only

    def __init__(self, num_classes: int, in_channels: int,
                 regress_ranges=((-1, 64), (64, 128), (128, 256), (256, 512), (512, INF)),
                 center_sampling: bool = False, center_sample_radius: float = 1.5, sync_num_pos: bool = True,
                 gradient_mul: float = 0.1, bbox_norm_type: str = 'reg_denom',
                 loss_cls_fl=dict(type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25,  # noqa: B006
                                  loss_weight=1.0),
                 use_vfl: bool = True,
                 loss_cls=dict(type='VarifocalLoss', use_sigmoid=True, alpha=0.75, gamma=2.0,  # noqa: B006
                               iou_weighted=True, loss_weight=1.0),
                 loss_bbox=dict(type='GIoULoss', loss_weight=1.5),  # noqa: B006
                 loss_bbox_refine=dict(type='GIoULoss', loss_weight=2.0),  # noqa: B006
                 norm_cfg=dict(type='GN', num_groups=32, requires_grad=True),  # noqa: B006
                 use_atss: bool = True, reg_decoded_bbox: bool = True,
                 anchor_generator=dict(type='AnchorGenerator', ratios=[1.0], octave_base_scale=8,  # noqa: B006
                                       scales_per_octave=1, center_offset=0.0, strides=[8, 16, 32, 64, 128]),
                 init_cfg=dict(type='Normal', layer='Conv2d', std=0.01,  # noqa: B006
                               override=dict(type='Normal', name='vfnet_cls', std=0.01, bias_prob=0.01)),
                 **kwargs):
        if bbox_norm_type not in ('reg_denom', 'stride'):
            raise ValueError(f"VFNetHead: bbox_norm_type must be 'reg_denom' or 'stride', got {bbox_norm_type!r}")
        if not reg_decoded_bbox:
            raise ValueError('VFNetHead regresses decoded boxes: reg_decoded_bbox must be True')
        self.regress_ranges = regress_ranges
        self.center_sampling, self.center_sample_radius = center_sampling, center_sample_radius
        self.norm_on_bbox = False  # FCOS targets in pixels
        self.sync_num_pos, self.gradient_mul, self.bbox_norm_type = sync_num_pos, gradient_mul, bbox_norm_type
        self.use_vfl, self.use_atss, self.reg_decoded_bbox = use_vfl, use_atss, reg_decoded_bbox
        AnchorFreeHead.__init__(self, num_classes, in_channels, loss_cls=loss_cls if use_vfl else loss_cls_fl,
                                loss_bbox=loss_bbox, norm_cfg=norm_cfg, init_cfg=init_cfg, **kwargs)
        self.reg_denoms = [r[-1] for r in regress_ranges[:-1]] + [regress_ranges[-2][-1] * 2]
        self.loss_bbox_refine = build_loss(loss_bbox_refine)
        self.atss_prior_generator = build_prior_generator(anchor_generator)
        offset = anchor_generator['center_offset'] if use_atss else 0.5
        self.fcos_prior_generator = self.prior_generator = MlvlPointGenerator(anchor_generator['strides'], offset)
        if self.train_cfg:
            self._init_assigner_sampler(loss_cls)

    def _init_layers(self) -> None:
        self.cls_convs, self.reg_convs = conv_towers(self, bias=self.conv_bias)
        self.relu = nn.ReLU(inplace=True)
        self.vfnet_reg_conv = ConvModule(self.feat_channels, self.feat_channels, 3, stride=1, padding=1,
                                         conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg, bias=self.conv_bias)
        self.vfnet_reg = nn.Conv2d(self.feat_channels, 4, 3, padding=1)
        self.scales = nn.ModuleList([Scale(1.0) for _ in self.strides])
        self.vfnet_reg_refine_dconv = DeformConv2d(self.feat_channels, self.feat_channels, 3, 1, padding=1)
        self.vfnet_reg_refine = nn.Conv2d(self.feat_channels, 4, 3, padding=1)
        self.scales_refine = nn.ModuleList([Scale(1.0) for _ in self.strides])
        self.vfnet_cls_dconv = DeformConv2d(self.feat_channels, self.feat_channels, 3, 1, padding=1)
        self.vfnet_cls = nn.Conv2d(self.feat_channels, self.cls_out_channels, 3, padding=1)

    def forward(self, feats):
        """Per level ``cls_score`` and the refined ``bbox_pred`` (training: also the first ``bbox_pred``,
        between the two)."""
        return multi_apply(self.forward_single, feats, self.scales, self.scales_refine, self.strides,
                           self.reg_denoms)

    def forward_single(self, x, scale, scale_refine, stride: int, reg_denom: float):
        cls_feat, reg_feat = tower_features(x, self.cls_convs, self.reg_convs)
        norm = reg_denom if self.bbox_norm_type == 'reg_denom' else stride
        bbox_pred = scale(self.vfnet_reg(self.vfnet_reg_conv(reg_feat))).float().exp() * norm
        offset = self.star_dcn_offset(bbox_pred, self.gradient_mul, stride).to(reg_feat.dtype)
        reg_feat = self.relu(self.vfnet_reg_refine_dconv(reg_feat, offset))
        bbox_pred_refine = scale_refine(self.vfnet_reg_refine(reg_feat)).float().exp() * bbox_pred.detach()
        cls_score = self.vfnet_cls(self.relu(self.vfnet_cls_dconv(cls_feat, offset)))
        if self.training:
            return cls_score, bbox_pred, bbox_pred_refine
        return cls_score, bbox_pred_refine

    @staticmethod
    def star_dcn_offset(bbox_pred: torch.Tensor, gradient_mul: float, stride: int) -> torch.Tensor:
        """Offsets ``(n, 18, h, w)`` moving the 3x3 kernel onto the box's star: left/centre/right columns at
        ``-l``/0/``r``, top/centre/bottom rows at ``-t``/0/``b`` (in feature-map cells)."""
        distances = ((1 - gradient_mul) * bbox_pred.detach() + gradient_mul * bbox_pred) / stride
        left, top, right, bottom = distances.unbind(1)
        zero = torch.zeros_like(left)
        rows, cols = {-1: -top, 0: zero, 1: bottom}, {-1: -left, 0: zero, 1: right}
        return torch.stack([value for dy, dx in _KERNEL_GRID for value in (rows[dy] - dy, cols[dx] - dx)], 1)

    @force_fp32(apply_to=('cls_scores', 'bbox_preds', 'bbox_preds_refine'))
    def loss(self, cls_scores, bbox_preds, bbox_preds_refine, gt_bboxes, gt_labels, img_metas,
             gt_bboxes_ignore=None) -> dict:
        """``loss_cls`` (varifocal, towards the refined boxes' IoUs), ``loss_bbox`` and ``loss_bbox_rf``."""
        featmap_sizes = [score.size()[-2:] for score in cls_scores]
        points = self.fcos_prior_generator.grid_priors(featmap_sizes, bbox_preds[0].dtype, bbox_preds[0].device)
        labels, bbox_targets = self.get_targets(cls_scores, points, gt_bboxes, gt_labels, img_metas,
                                                gt_bboxes_ignore)
        num_imgs = cls_scores[0].size(0)
        flat_scores = torch.cat([s.permute(0, 2, 3, 1).reshape(-1, self.cls_out_channels) for s in cls_scores])
        flat_preds = torch.cat([p.permute(0, 2, 3, 1).reshape(-1, 4) for p in bbox_preds])
        flat_refined = torch.cat([p.permute(0, 2, 3, 1).reshape(-1, 4) for p in bbox_preds_refine])
        flat_labels, flat_targets = torch.cat(labels), torch.cat(bbox_targets)
        flat_points = torch.cat([level.repeat(num_imgs, 1) for level in points])
        pos_inds = ((flat_labels >= 0) & (flat_labels < self.num_classes)).nonzero().reshape(-1)
        num_pos = flat_scores.new_tensor(len(pos_inds), dtype=torch.float)
        num_pos = reduce_mean(num_pos).clamp(min=1.0) if self.sync_num_pos else num_pos
        pos_points, pos_labels = flat_points[pos_inds], flat_labels[pos_inds]
        pos_targets = self.bbox_coder.decode(pos_points, flat_targets[pos_inds])
        loss_bbox, ious = self._iou_weighted_giou(self.loss_bbox, flat_preds[pos_inds], pos_points, pos_targets)
        loss_refine, ious_rf = self._iou_weighted_giou(self.loss_bbox_refine, flat_refined[pos_inds], pos_points,
                                                       pos_targets)
        if self.use_vfl:
            cls_targets = torch.zeros_like(flat_scores)
            cls_targets[pos_inds, pos_labels] = ious_rf
            loss_cls = self.loss_cls(flat_scores, cls_targets, avg_factor=num_pos)
        else:
            loss_cls = self.loss_cls(flat_scores, flat_labels, avg_factor=num_pos)
        return dict(loss_cls=loss_cls, loss_bbox=loss_bbox, loss_bbox_rf=loss_refine)

    def _iou_weighted_giou(self, loss, pos_preds, pos_points, pos_targets) -> tuple:
        """A box loss weighted by each positive's (detached) IoU with its target, averaged over the IoUs' sum;
        and those IoUs."""
        if len(pos_preds) == 0:
            return pos_preds.sum() * 0, pos_preds.new_zeros(0)
        decoded = self.bbox_coder.decode(pos_points, pos_preds)
        ious = bbox_overlaps(decoded, pos_targets, is_aligned=True).clamp(min=1e-6).detach()
        avg_factor = reduce_mean(ious.sum()).clamp(min=1)
        return loss(decoded, pos_targets, weight=ious, avg_factor=avg_factor), ious

    def get_targets(self, cls_scores, points, gt_bboxes, gt_labels, img_metas, gt_bboxes_ignore=None):
        """Per level, labels (``num_classes`` for background) and side-distance targets of all images' points:
        from ATSS on the square anchors (``use_atss``), or from FCOS's rules."""
        if not self.use_atss:
            return FCOSHead.get_targets(self, points, gt_bboxes, gt_labels)
        featmap_sizes = [score.size()[-2:] for score in cls_scores]
        device = cls_scores[0].device
        anchors = self.atss_prior_generator.grid_priors(featmap_sizes, device=device)
        valid = [self.atss_prior_generator.valid_flags(featmap_sizes, meta['pad_shape'], device) for meta in img_metas]
        targets = AnchorHead.get_targets(self, [anchors] * len(img_metas), valid, gt_bboxes, img_metas,
                                         gt_bboxes_ignore_list=gt_bboxes_ignore, gt_labels_list=gt_labels,
                                         label_channels=self.cls_out_channels)
        if targets is None:
            raise ValueError('VFNetHead: an image has no anchor inside it (img_shape smaller than every anchor?)')
        labels, _, boxes = targets[:3]
        num_imgs = len(img_metas)
        # decoded (x1, y1, x2, y2) targets -> each point's distances to the sides
        distances = [self.bbox_coder.encode(level.repeat(num_imgs, 1), box.reshape(-1, 4))
                     for level, box in zip(points, boxes)]
        return [label.reshape(-1) for label in labels], distances

    # ATSS assignment of the anchors, through AnchorHead's per-image target builder
    _get_targets_single = AnchorHead._get_targets_single
