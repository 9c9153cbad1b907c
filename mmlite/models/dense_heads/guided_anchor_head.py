"""``GuidedAnchorHead``: anchors whose locations and shapes are predicted (guided anchoring's base head)."""
from __future__ import annotations

import torch
import torch.nn as nn

from ...core.anchor import anchor_inside_flags, build_prior_generator, calc_region, images_to_levels
from ...core.bbox import build_assigner, build_bbox_coder, build_sampler
from ...core.post_processing import multiclass_nms
from ...core.utils import multi_apply, unmap
from ...ops import DeformConv2d, MaskedConv2d
from ...runner import BaseModule, force_fp32
from ..builder import HEADS, build_loss
from .anchor_head import AnchorHead
from .base_dense_head import BaseDenseHead


def check_approx_and_squares(head: str, approx_anchor_generator: dict, square_anchor_generator: dict) -> None:
    """The squares must be the approximating anchors' base size, on the same strides (ValueError otherwise)."""
    if approx_anchor_generator['octave_base_scale'] != square_anchor_generator['scales'][0]:
        raise ValueError(f'{head}: approx_anchor_generator.octave_base_scale must equal '
                         'square_anchor_generator.scales[0] (the squares are the approximations\' base size)')
    if list(approx_anchor_generator['strides']) != list(square_anchor_generator['strides']):
        raise ValueError(f'{head}: the approx and square anchor generators need the same strides')


class FeatureAdaption(BaseModule):
    """A deformable conv whose offsets come (through a 1x1 conv) from predicted anchor shapes.

    Args:
        in_channels / out_channels / kernel_size / deform_groups: The deformable conv.
        shape_channels: Channels of the shape input (2: guided anchoring's ``(dw, dh)``). Defaults to 2.
        detach_shape: Stop the offsets' gradient into the shape prediction. Defaults to True.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, deform_groups: int = 4,
                 shape_channels: int = 2, detach_shape: bool = True,
                 init_cfg=dict(type='Normal', layer='Conv2d', std=0.1,  # noqa: B006
                               override=dict(type='Normal', name='conv_adaption', std=0.01))):
        super().__init__(init_cfg)
        self.detach_shape = detach_shape
        self.conv_offset = nn.Conv2d(shape_channels, deform_groups * kernel_size * kernel_size * 2, 1, bias=False)
        self.conv_adaption = DeformConv2d(in_channels, out_channels, kernel_size=kernel_size,
                                          padding=(kernel_size - 1) // 2, deform_groups=deform_groups)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x, shape):
        return self.relu(self.conv_adaption(x, self.conv_offset(shape.detach() if self.detach_shape else shape)))


@HEADS.register_module()
class GuidedAnchorHead(AnchorHead):
    """Guided anchoring (Wang et al., 2019): one anchor per location whose centre probability (``loc``) and
    shape (``(dw, dh)`` on a square of ``octave_base_scale`` strides) are predicted; features are adapted to
    the shape by a deformable conv. Training: the location branch learns each gt's central region on its
    level (``center_ratio``; ``ignore_ratio`` regions and the neighbouring levels' are ignored), the shape
    branch the gts assigned to the squares by ``ga_assigner`` over ``approx_anchor_generator``'s shapes, and
    the classifier and regressor the guided anchors as usual. At test time locations below
    ``loc_filter_thr`` are dropped.

    Args:
        approx_anchor_generator / square_anchor_generator: Shape samples for assignment, and the squares.
        anchor_coder / bbox_coder: Codings of the anchor shapes and of the boxes.
        deform_groups: Groups of the feature adaption. loc_filter_thr: Test-time location threshold.
        loss_loc / loss_shape / loss_cls / loss_bbox: Loss configs.
        centre_as_foreground: Train the location branch with the centre regions as the focal loss's foreground
            class (the paper's and mmdet 1.x's semantics). Defaults to False: mmdet 2.x passes the target map as
            labels, which makes the centres the one-class loss's background; kept for compatibility (it also
            trained better on the toy set), see docs/compat.md.
    """

    extra_train_cfg_keys = ('ga_assigner', 'ga_sampler', 'center_ratio', 'ignore_ratio')

    def __init__(self, num_classes: int, in_channels: int, feat_channels: int = 256,
                 approx_anchor_generator=dict(type='AnchorGenerator', octave_base_scale=8,  # noqa: B006
                                              scales_per_octave=3, ratios=[0.5, 1.0, 2.0],
                                              strides=[4, 8, 16, 32, 64]),
                 square_anchor_generator=dict(type='AnchorGenerator', ratios=[1.0], scales=[8],  # noqa: B006
                                              strides=[4, 8, 16, 32, 64]),
                 anchor_coder=dict(type='DeltaXYWHBBoxCoder', target_means=[.0, .0, .0, .0],  # noqa: B006
                                   target_stds=[1.0, 1.0, 1.0, 1.0]),
                 bbox_coder=dict(type='DeltaXYWHBBoxCoder', target_means=[.0, .0, .0, .0],  # noqa: B006
                                 target_stds=[1.0, 1.0, 1.0, 1.0]),
                 reg_decoded_bbox: bool = False, deform_groups: int = 4, loc_filter_thr: float = 0.01,
                 train_cfg=None, test_cfg=None, centre_as_foreground: bool = False,
                 loss_loc=dict(type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25,  # noqa: B006
                               loss_weight=1.0),
                 loss_shape=dict(type='BoundedIoULoss', beta=0.2, loss_weight=1.0),  # noqa: B006
                 loss_cls=dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0),  # noqa: B006
                 loss_bbox=dict(type='SmoothL1Loss', beta=1.0, loss_weight=1.0),  # noqa: B006
                 init_cfg=dict(type='Normal', layer='Conv2d', std=0.01,  # noqa: B006
                               override=dict(type='Normal', name='conv_loc', std=0.01, bias_prob=0.01))):
        BaseDenseHead.__init__(self, init_cfg)
        check_approx_and_squares(type(self).__name__, approx_anchor_generator, square_anchor_generator)
        self.in_channels, self.num_classes, self.feat_channels = in_channels, num_classes, feat_channels
        self.centre_as_foreground = centre_as_foreground
        self.deform_groups, self.loc_filter_thr, self.reg_decoded_bbox = deform_groups, loc_filter_thr, reg_decoded_bbox
        self.approx_anchor_generator = build_prior_generator(approx_anchor_generator)
        self.square_anchor_generator = self.prior_generator = build_prior_generator(square_anchor_generator)
        self.approxs_per_octave = self.approx_anchor_generator.num_base_priors[0]
        self.num_base_priors = self.square_anchor_generator.num_base_priors[0]
        self.use_sigmoid_cls = loss_cls.get('use_sigmoid', False)
        self.cls_out_channels = num_classes if self.use_sigmoid_cls else num_classes + 1
        self.sampling = loss_cls['type'] not in ('FocalLoss', )
        self.anchor_coder, self.bbox_coder = build_bbox_coder(anchor_coder), build_bbox_coder(bbox_coder)
        self.loss_loc, self.loss_shape = build_loss(loss_loc), build_loss(loss_shape)
        self.loss_cls, self.loss_bbox = build_loss(loss_cls), build_loss(loss_bbox)
        self.train_cfg, self.test_cfg = train_cfg, test_cfg
        self.ga_sampling = bool(train_cfg) and 'ga_sampler' in train_cfg
        if self.train_cfg:
            self.assigner = build_assigner(train_cfg.assigner)
            sampler = train_cfg.get('sampler') if self.sampling else None
            self.sampler = build_sampler(sampler or dict(type='PseudoSampler'), context=self)
            self.ga_assigner = build_assigner(train_cfg.ga_assigner)
            self.ga_sampler = build_sampler(train_cfg.get('ga_sampler') or dict(type='PseudoSampler'), context=self)
        self.fp16_enabled = False
        self._init_layers()

    def _init_layers(self) -> None:
        self.relu = nn.ReLU(inplace=True)
        self.conv_loc = nn.Conv2d(self.in_channels, 1, 1)
        self.conv_shape = nn.Conv2d(self.in_channels, self.num_base_priors * 2, 1)
        self.feature_adaption = FeatureAdaption(self.in_channels, self.feat_channels, kernel_size=3,
                                                deform_groups=self.deform_groups)
        self.conv_cls = MaskedConv2d(self.feat_channels, self.num_base_priors * self.cls_out_channels, 1)
        self.conv_reg = MaskedConv2d(self.feat_channels, self.num_base_priors * 4, 1)

    def _test_mask(self, loc_pred):
        """Per image, the locations kept at test time (None in training: every location)."""
        return None if self.training else loc_pred.sigmoid()[:, 0] >= self.loc_filter_thr

    def forward_single(self, x):
        """``cls_score``, ``bbox_pred``, ``shape_pred`` and ``loc_pred`` of one level."""
        loc_pred, shape_pred = self.conv_loc(x), self.conv_shape(x)
        x = self.feature_adaption(x, shape_pred)
        mask = self._test_mask(loc_pred)
        return self.conv_cls(x, mask), self.conv_reg(x, mask), shape_pred, loc_pred

    def forward(self, feats):
        return multi_apply(self.forward_single, feats)

    def get_sampled_approxs(self, featmap_sizes, img_metas, device='cuda') -> tuple:
        """Per image and level: the approximating anchors, and whether any of a location's lies inside."""
        approxs = self.approx_anchor_generator.grid_priors(featmap_sizes, device=device)
        inside_list = []
        for meta in img_metas:
            flags = self.approx_anchor_generator.valid_flags(featmap_sizes, meta['pad_shape'], device=device)
            inside_list.append([anchor_inside_flags(level, valid, meta['img_shape'][:2], self.train_cfg.allowed_border)
                                .view(-1, self.approxs_per_octave).any(dim=1) for level, valid in zip(approxs, flags)])
        return [approxs for _ in img_metas], inside_list

    def get_anchors(self, featmap_sizes, shape_preds, loc_preds, img_metas, use_loc_filter: bool = False,
                    device='cuda') -> tuple:
        """Per image and level: the squares, the guided anchors (the squares reshaped by the detached shape
        predictions; only the kept locations with ``use_loc_filter``) and the kept-location masks."""
        squares = self.square_anchor_generator.grid_priors(featmap_sizes, device=device)
        guided, masks = [], []
        for img_id in range(len(img_metas)):
            levels = [self._get_guided_anchors_single(level_squares, shape_preds[i][img_id], loc_preds[i][img_id],
                                                      use_loc_filter) for i, level_squares in enumerate(squares)]
            guided.append([anchors for anchors, _ in levels])
            masks.append([mask for _, mask in levels])
        return [squares for _ in img_metas], guided, masks

    def _get_guided_anchors_single(self, squares, shape_pred, loc_pred, use_loc_filter: bool = False) -> tuple:
        loc = loc_pred.sigmoid().detach()
        mask = (loc >= self.loc_filter_thr) if use_loc_filter else (loc >= 0.0)
        mask = mask.permute(1, 2, 0).expand(-1, -1, self.num_base_priors).reshape(-1)
        shape_deltas = shape_pred.permute(1, 2, 0).reshape(-1, 2).detach()[mask]
        deltas = torch.cat([torch.zeros_like(shape_deltas), shape_deltas], dim=1)
        return self.anchor_coder.decode(squares[mask], deltas, wh_ratio_clip=1e-6), mask

    def ga_loc_targets(self, gt_bboxes_list, featmap_sizes) -> tuple:
        """Per level, location targets (1 in each gt's central ``center_ratio`` region on its level) and
        weights (1 there; 0 in its ``ignore_ratio`` region and in that region on the neighbouring levels;
        0.1 elsewhere), in gt order as mmdet; and the loss's averaging factor (locations / 200)."""
        strides = [stride[0] for stride in self.approx_anchor_generator.strides]
        if any(stride[0] != stride[1] for stride in self.approx_anchor_generator.strides):
            raise ValueError('GuidedAnchorHead: location targets need square strides')
        num_imgs, num_lvls = len(gt_bboxes_list), len(featmap_sizes)
        r_centre, r_ignore = (1 - self.train_cfg.center_ratio) / 2, (1 - self.train_cfg.ignore_ratio) / 2
        device = gt_bboxes_list[0].device
        targets = [torch.zeros(num_imgs, 1, *size, device=device) for size in featmap_sizes]
        weights = [torch.full_like(t, -1) for t in targets]
        ignore = [torch.zeros_like(t) for t in targets]
        min_anchor_size = float(self.approx_anchor_generator.octave_base_scale * strides[0])
        for img_id, gt_bboxes in enumerate(gt_bboxes_list):
            scale = torch.sqrt((gt_bboxes[:, 2] - gt_bboxes[:, 0]) * (gt_bboxes[:, 3] - gt_bboxes[:, 1]))
            lvls = torch.floor(torch.log2(scale) - torch.log2(scale.new_tensor(min_anchor_size)) + 0.5)
            regions = {}  # (level, ratio) -> per-gt region corners on that level, computed once per image
            for lvl in range(num_lvls):
                for ratio in (r_centre, r_ignore):
                    corners = calc_region(gt_bboxes[:, :4] / strides[lvl], ratio, featmap_sizes[lvl])
                    regions[lvl, ratio] = torch.stack(corners, 1).tolist()
            for gt_id, lvl in enumerate(lvls.clamp(min=0, max=num_lvls - 1).long().tolist()):
                x1, y1, x2, y2 = regions[lvl, r_ignore][gt_id]
                weights[lvl][img_id, 0, y1:y2 + 1, x1:x2 + 1] = 0
                x1, y1, x2, y2 = regions[lvl, r_centre][gt_id]
                targets[lvl][img_id, 0, y1:y2 + 1, x1:x2 + 1] = 1
                weights[lvl][img_id, 0, y1:y2 + 1, x1:x2 + 1] = 1
                for near in (lvl - 1, lvl + 1):
                    if 0 <= near < num_lvls:
                        x1, y1, x2, y2 = regions[near, r_ignore][gt_id]
                        ignore[near][img_id, 0, y1:y2 + 1, x1:x2 + 1] = 1
        for weight, ignored in zip(weights, ignore):
            weight[(weight < 0) & (ignored > 0)] = 0
            weight[weight < 0] = 0.1
        return targets, weights, sum(t.size(0) * t.size(-1) * t.size(-2) for t in targets) / 200

    def ga_shape_targets(self, approx_list, inside_flag_list, square_list, gt_bboxes_list, img_metas,
                         gt_bboxes_ignore_list=None) -> tuple | None:
        """Per level the squares assigned to a gt, those gts and their weights; the positive and negative
        counts (at least 1 per image)."""
        num_level_squares = [squares.size(0) for squares in square_list[0]]
        results = multi_apply(self._ga_shape_target_single, [torch.cat(a) for a in approx_list],
                              [torch.cat(f) for f in inside_flag_list], [torch.cat(s) for s in square_list],
                              gt_bboxes_list, gt_bboxes_ignore_list or [None] * len(img_metas))
        anchors, gts, weights, pos_inds, neg_inds = results
        if any(a is None for a in anchors):
            return None
        return (images_to_levels(anchors, num_level_squares), images_to_levels(gts, num_level_squares),
                images_to_levels(weights, num_level_squares), sum(max(i.numel(), 1) for i in pos_inds),
                sum(max(i.numel(), 1) for i in neg_inds))

    def _ga_shape_target_single(self, flat_approxs, inside_flags, flat_squares, gt_bboxes, gt_bboxes_ignore):
        if not inside_flags.any():
            return (None, ) * 5
        approxs = flat_approxs[inside_flags.repeat_interleave(self.approxs_per_octave)]
        squares = flat_squares[inside_flags]
        result = self.ga_assigner.assign(approxs, squares, self.approxs_per_octave, gt_bboxes, gt_bboxes_ignore)
        sampling = self.ga_sampler.sample(result, squares, gt_bboxes)
        anchors, gts, weights = torch.zeros_like(squares), torch.zeros_like(squares), torch.zeros_like(squares)
        pos = sampling.pos_inds
        if len(pos) > 0:
            anchors[pos], gts[pos], weights[pos] = sampling.pos_bboxes, sampling.pos_gt_bboxes, 1.0
        total = flat_squares.size(0)
        return (unmap(anchors, total, inside_flags), unmap(gts, total, inside_flags),
                unmap(weights, total, inside_flags), pos, sampling.neg_inds)

    def loss_shape_single(self, shape_pred, bbox_anchors, bbox_gts, anchor_weights, anchor_total_num):
        """The bounded-IoU loss between the positive squares reshaped by ``shape_pred`` and their gts."""
        shape_pred = shape_pred.permute(0, 2, 3, 1).reshape(-1, 2)
        anchor_weights = anchor_weights.reshape(-1, 4)
        inds = (anchor_weights[:, 0] > 0).nonzero().squeeze(1)
        deltas = torch.cat([torch.zeros_like(shape_pred[inds]), shape_pred[inds]], dim=1)
        pred_anchors = self.anchor_coder.decode(bbox_anchors.reshape(-1, 4)[inds], deltas, wh_ratio_clip=1e-6)
        return self.loss_shape(pred_anchors, bbox_gts.reshape(-1, 4)[inds], anchor_weights[inds],
                               avg_factor=anchor_total_num)

    def loss_loc_single(self, loc_pred, loc_target, loc_weight, loc_avg_factor):
        """The location loss: the target map as labels (mmdet 2.x: centres are the one-class focal loss's
        background), or with ``centre_as_foreground`` the centres as its foreground class."""
        labels = loc_target.reshape(-1).long()
        if self.centre_as_foreground:
            labels = 1 - labels
        return self.loss_loc(loc_pred.reshape(-1, 1), labels, loc_weight.reshape(-1), avg_factor=loc_avg_factor)

    @force_fp32(apply_to=('cls_scores', 'bbox_preds', 'shape_preds', 'loc_preds'))
    def loss(self, cls_scores, bbox_preds, shape_preds, loc_preds, gt_bboxes, gt_labels, img_metas,
             gt_bboxes_ignore=None) -> dict:
        """Per level ``loss_cls``, ``loss_bbox``, ``loss_shape`` and ``loss_loc``."""
        featmap_sizes = [featmap.size()[-2:] for featmap in cls_scores]
        device = cls_scores[0].device
        loc_targets, loc_weights, loc_avg_factor = self.ga_loc_targets(gt_bboxes, featmap_sizes)
        approxs_list, inside_flag_list = self.get_sampled_approxs(featmap_sizes, img_metas, device=device)
        squares_list, guided_anchors_list, _ = self.get_anchors(featmap_sizes, shape_preds, loc_preds, img_metas,
                                                                device=device)
        shape_targets = self.ga_shape_targets(approxs_list, inside_flag_list, squares_list, gt_bboxes, img_metas)
        targets = self.get_targets(guided_anchors_list, inside_flag_list, gt_bboxes, img_metas,
                                   gt_bboxes_ignore_list=gt_bboxes_ignore, gt_labels_list=gt_labels,
                                   label_channels=self.cls_out_channels if self.use_sigmoid_cls else 1)
        if shape_targets is None or targets is None:
            raise ValueError('GuidedAnchorHead: an image has no anchor inside it (img_shape smaller than every '
                             'anchor?)')
        bbox_anchors, bbox_gts, anchor_weights, anchor_fg_num, anchor_bg_num = shape_targets
        anchor_total_num = anchor_fg_num + anchor_bg_num if self.ga_sampling else anchor_fg_num
        labels, label_weights, bbox_targets, bbox_weights, num_pos, num_neg = targets
        num_level_anchors = [anchors.size(0) for anchors in guided_anchors_list[0]]
        all_anchors = images_to_levels([torch.cat(a) for a in guided_anchors_list], num_level_anchors)
        losses_cls, losses_bbox = multi_apply(self.loss_single, cls_scores, bbox_preds, all_anchors, labels,
                                              label_weights, bbox_targets, bbox_weights,
                                              num_total_samples=num_pos + num_neg if self.sampling else num_pos)
        losses_loc = [self.loss_loc_single(loc_preds[i], loc_targets[i], loc_weights[i], loc_avg_factor)
                      for i in range(len(loc_preds))]
        losses_shape = [self.loss_shape_single(shape_preds[i], bbox_anchors[i], bbox_gts[i], anchor_weights[i],
                                               anchor_total_num) for i in range(len(shape_preds))]
        return dict(loss_cls=losses_cls, loss_bbox=losses_bbox, loss_shape=losses_shape, loss_loc=losses_loc)

    @force_fp32(apply_to=('cls_scores', 'bbox_preds', 'shape_preds', 'loc_preds'))
    def get_bboxes(self, cls_scores, bbox_preds, shape_preds, loc_preds, img_metas, cfg=None, rescale: bool = False,
                   with_nms: bool = True) -> list:
        """Per image ``(det_bboxes, det_labels)`` from the guided anchors of the kept locations (at test
        time; all in training); ``with_nms=False``: ``(bboxes, scores, labels)`` above ``score_thr``."""
        featmap_sizes = [featmap.size()[-2:] for featmap in cls_scores]
        _, guided_anchors, loc_masks = self.get_anchors(featmap_sizes, shape_preds, loc_preds, img_metas,
                                                        use_loc_filter=not self.training,
                                                        device=cls_scores[0].device)
        return [self._get_bboxes_single([s[i].detach() for s in cls_scores], [p[i].detach() for p in bbox_preds],
                                        guided_anchors[i], loc_masks[i], meta['img_shape'], meta['scale_factor'],
                                        cfg, rescale, with_nms)
                for i, meta in enumerate(img_metas)]

    def _get_bboxes_single(self, cls_scores, bbox_preds, mlvl_anchors, mlvl_masks, img_shape, scale_factor, cfg,
                           rescale=False, with_nms=True):
        cfg = self.test_cfg if cfg is None else cfg
        mlvl_bboxes, mlvl_scores = [], []
        for cls_score, bbox_pred, anchors, mask in zip(cls_scores, bbox_preds, mlvl_anchors, mlvl_masks):
            scores = self._scores(cls_score.permute(1, 2, 0).reshape(-1, self.cls_out_channels))[mask]
            bbox_pred = bbox_pred.permute(1, 2, 0).reshape(-1, 4)[mask]
            nms_pre = cfg.get('nms_pre', -1)
            if 0 < nms_pre < scores.shape[0]:
                top = scores.max(dim=1)[0].topk(nms_pre)[1]
                anchors, bbox_pred, scores = anchors[top], bbox_pred[top], scores[top]
            mlvl_bboxes.append(self.bbox_coder.decode(anchors, bbox_pred, max_shape=img_shape))
            mlvl_scores.append(scores)
        bboxes, scores = torch.cat(mlvl_bboxes), torch.cat(mlvl_scores)
        if rescale:
            bboxes /= bboxes.new_tensor(scale_factor)
        if not with_nms:  # (box, score, label) triplets above score_thr, for test-time augmentation
            keep = (scores > cfg.score_thr).nonzero()
            return bboxes[keep[:, 0]], scores[keep[:, 0], keep[:, 1]], keep[:, 1]
        background = scores.new_zeros(scores.shape[0], 1)
        return multiclass_nms(bboxes, torch.cat([scores, background], dim=1), cfg.score_thr, cfg.nms,
                              cfg.max_per_img)
