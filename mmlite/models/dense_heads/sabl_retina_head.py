"""``SABLRetinaHead``: RetinaNet with side-aware boundary localisation (bucketed box sides)."""
from __future__ import annotations

import torch
import torch.nn as nn

from ...core.anchor import build_prior_generator
from ...core.bbox import build_assigner, build_bbox_coder, build_sampler
from ...core.utils import filter_scores_and_topk, unmap
from ...runner import force_fp32
from ..builder import HEADS, build_loss
from .anchor_free_head import conv_towers, tower_features
from .anchor_head import sampled_targets
from .base_dense_head import BaseDenseHead
from .guided_anchor_head import GuidedAnchorHead, check_approx_and_squares

_NO_SAMPLING_LOSSES = ('FocalLoss', 'GHMC', 'QualityFocalLoss')


@HEADS.register_module()
class SABLRetinaHead(BaseDenseHead):
    """SABL RetinaNet (Wang et al., 2020): one square anchor per location; each box side is classified into
    buckets (``retina_bbox_cls``) and refined by an offset (``retina_bbox_reg``), see
    :class:`~mmlite.core.bbox.BucketingBBoxCoder`. Anchors are assigned by ``ApproxMaxIoUAssigner`` over the
    approximating anchors; at test time scores are multiplied by the localisation confidence.

    Args:
        stacked_convs / feat_channels / conv_cfg / norm_cfg: RetinaNet's towers.
        approx_anchor_generator / square_anchor_generator: As guided anchoring's.
        bbox_coder: A ``BucketingBBoxCoder`` config.
        loss_cls / loss_bbox_cls / loss_bbox_reg: Class, bucket and offset losses.
    """

    def __init__(self, num_classes: int, in_channels: int, stacked_convs: int = 4, feat_channels: int = 256,
                 approx_anchor_generator=dict(type='AnchorGenerator', octave_base_scale=4,  # noqa: B006
                                              scales_per_octave=3, ratios=[0.5, 1.0, 2.0],
                                              strides=[8, 16, 32, 64, 128]),
                 square_anchor_generator=dict(type='AnchorGenerator', ratios=[1.0], scales=[4],  # noqa: B006
                                              strides=[8, 16, 32, 64, 128]),
                 conv_cfg=None, norm_cfg=None,
                 bbox_coder=dict(type='BucketingBBoxCoder', num_buckets=14, scale_factor=3.0),  # noqa: B006
                 reg_decoded_bbox: bool = False, train_cfg=None, test_cfg=None,
                 loss_cls=dict(type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25,  # noqa: B006
                               loss_weight=1.0),
                 loss_bbox_cls=dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.5),  # noqa: B006
                 loss_bbox_reg=dict(type='SmoothL1Loss', beta=1.0 / 9.0, loss_weight=1.5),  # noqa: B006
                 init_cfg=dict(type='Normal', layer='Conv2d', std=0.01,  # noqa: B006
                               override=dict(type='Normal', name='retina_cls', std=0.01, bias_prob=0.01))):
        super().__init__(init_cfg)
        check_approx_and_squares(type(self).__name__, approx_anchor_generator, square_anchor_generator)
        self.in_channels, self.num_classes, self.feat_channels = in_channels, num_classes, feat_channels
        self.stacked_convs, self.conv_cfg, self.norm_cfg = stacked_convs, conv_cfg, norm_cfg
        self.num_buckets = bbox_coder['num_buckets']
        self.side_num = -(-self.num_buckets // 2)
        self.approx_anchor_generator = build_prior_generator(approx_anchor_generator)
        self.square_anchor_generator = self.prior_generator = build_prior_generator(square_anchor_generator)
        self.approxs_per_octave = self.approx_anchor_generator.num_base_priors[0]
        self.num_base_priors = self.square_anchor_generator.num_base_priors[0]
        self.reg_decoded_bbox = reg_decoded_bbox
        self.use_sigmoid_cls = loss_cls.get('use_sigmoid', False)
        self.sampling = loss_cls['type'] not in _NO_SAMPLING_LOSSES
        self.cls_out_channels = num_classes if self.use_sigmoid_cls else num_classes + 1
        self.bbox_coder = build_bbox_coder(bbox_coder)
        self.loss_cls, self.loss_bbox_cls = build_loss(loss_cls), build_loss(loss_bbox_cls)
        self.loss_bbox_reg = build_loss(loss_bbox_reg)
        self.train_cfg, self.test_cfg = train_cfg, test_cfg
        if self.train_cfg:
            self.assigner = build_assigner(train_cfg.assigner)
            sampler = train_cfg.get('sampler') if self.sampling else None
            self.sampler = build_sampler(sampler or dict(type='PseudoSampler'), context=self)
        self.fp16_enabled = False
        self.relu = nn.ReLU(inplace=True)
        self.cls_convs, self.reg_convs = conv_towers(self)
        self.retina_cls = nn.Conv2d(feat_channels, self.cls_out_channels, 3, padding=1)
        self.retina_bbox_reg = nn.Conv2d(feat_channels, self.side_num * 4, 3, padding=1)
        self.retina_bbox_cls = nn.Conv2d(feat_channels, self.side_num * 4, 3, padding=1)

    get_sampled_approxs = GuidedAnchorHead.get_sampled_approxs

    def forward(self, feats):
        """Per level ``cls_score`` and ``bbox_pred = (bucket scores, bucket offsets)``."""
        outs = [self.forward_single(x) for x in feats]
        return tuple([o[i] for o in outs] for i in range(2))

    def forward_single(self, x):
        cls_feat, reg_feat = tower_features(x, self.cls_convs, self.reg_convs)
        return self.retina_cls(cls_feat), (self.retina_bbox_cls(reg_feat), self.retina_bbox_reg(reg_feat))

    def get_anchors(self, featmap_sizes, img_metas, device='cuda') -> list:
        """The squares of every level, per image."""
        squares = self.square_anchor_generator.grid_priors(featmap_sizes, device=device)
        return [squares for _ in img_metas]

    def _get_target_single(self, flat_approxs, inside_flags, flat_squares, gt_bboxes, gt_bboxes_ignore, gt_labels):
        """One image: labels, label weights, bucket targets and weights, offset targets and weights; the
        positive and negative indices."""
        approxs = flat_approxs[inside_flags.repeat_interleave(self.approxs_per_octave)]
        squares = flat_squares[inside_flags]
        result = self.assigner.assign(approxs, squares, self.approxs_per_octave, gt_bboxes, gt_bboxes_ignore)
        sampling = self.sampler.sample(result, squares, gt_bboxes)
        labels, label_weights = sampled_targets(sampling, len(squares), gt_labels, self.num_classes,
                                                self.train_cfg.pos_weight)[:2]
        box_targets = [squares.new_zeros((len(squares), self.side_num * 4)) for _ in range(4)]
        if len(sampling.pos_inds) > 0:
            reg_targets, reg_weights, cls_targets, cls_weights = self.bbox_coder.encode(sampling.pos_bboxes,
                                                                                        sampling.pos_gt_bboxes)
            for target, value in zip(box_targets, (cls_targets, cls_weights, reg_targets, reg_weights)):
                target[sampling.pos_inds] = value
        total = flat_squares.size(0)
        outputs = [unmap(labels, total, inside_flags, fill=self.num_classes), unmap(label_weights, total, inside_flags)]
        outputs += [unmap(t, total, inside_flags) for t in box_targets]
        return outputs, sampling.pos_inds, sampling.neg_inds

    @force_fp32(apply_to=('cls_scores', 'bbox_preds'))
    def loss(self, cls_scores, bbox_preds, gt_bboxes, gt_labels, img_metas, gt_bboxes_ignore=None) -> dict:
        """``loss_cls``, ``loss_bbox_cls`` and ``loss_bbox_reg`` over all levels."""
        featmap_sizes = [featmap.size()[-2:] for featmap in cls_scores]
        device, num_imgs = cls_scores[0].device, len(img_metas)
        approxs_list, inside_list = self.get_sampled_approxs(featmap_sizes, img_metas, device=device)
        squares = torch.cat(self.get_anchors(featmap_sizes, img_metas, device=device)[0])
        gt_bboxes_ignore = gt_bboxes_ignore or [None] * num_imgs
        targets, num_pos, num_neg = [], 0, 0
        for i in range(num_imgs):
            inside = torch.cat(inside_list[i])
            if not inside.any():
                raise ValueError('SABLRetinaHead: an image has no anchor inside it (img_shape smaller than every '
                                 'anchor?)')
            image_targets, pos_inds, neg_inds = self._get_target_single(
                torch.cat(approxs_list[i]), inside, squares, gt_bboxes[i], gt_bboxes_ignore[i],
                None if gt_labels is None else gt_labels[i])
            targets.append(image_targets)
            num_pos, num_neg = num_pos + max(pos_inds.numel(), 1), num_neg + max(neg_inds.numel(), 1)
        labels, label_weights, cls_targets, cls_weights, reg_targets, reg_weights = (
            torch.cat(parts) for parts in zip(*targets))
        num_samples = num_pos + num_neg if self.sampling else num_pos
        width = self.side_num * 4

        def flat(maps, channels):
            return torch.cat([m.permute(0, 2, 3, 1).reshape(num_imgs, -1, channels) for m in maps], 1).reshape(
                -1, channels)

        scores = flat(cls_scores, self.cls_out_channels)
        bucket_preds, offset_preds = flat([p[0] for p in bbox_preds], width), flat([p[1] for p in bbox_preds], width)
        return dict(loss_cls=self.loss_cls(scores, labels, label_weights, avg_factor=num_samples),
                    loss_bbox_cls=self.loss_bbox_cls(bucket_preds, cls_targets.long(), cls_weights,
                                                     avg_factor=num_samples * 4 * self.side_num),
                    loss_bbox_reg=self.loss_bbox_reg(offset_preds, reg_targets, reg_weights,
                                                     avg_factor=num_samples * 4 * self.bbox_coder.offset_topk))

    @force_fp32(apply_to=('cls_scores', 'bbox_preds'))
    def get_bboxes(self, cls_scores, bbox_preds, img_metas, cfg=None, rescale: bool = False,
                   with_nms: bool = True) -> list:
        """Per image ``(det_bboxes, det_labels)`` (``with_nms=False``: ``(bboxes, scores, labels)``), scores
        multiplied by the localisation confidence."""
        featmap_sizes = [featmap.size()[-2:] for featmap in cls_scores]
        anchors = self.get_anchors(featmap_sizes, img_metas, device=cls_scores[0].device)[0]
        return [self._get_bboxes_single([s[i].detach() for s in cls_scores],
                                        [p[0][i].detach() for p in bbox_preds], [p[1][i].detach() for p in bbox_preds],
                                        anchors, meta, cfg, rescale, with_nms) for i, meta in enumerate(img_metas)]

    def _get_bboxes_single(self, cls_scores, bucket_preds, offset_preds, mlvl_anchors, img_meta, cfg, rescale=False,
                           with_nms=True):
        cfg = self.test_cfg if cfg is None else cfg
        width = self.side_num * 4
        mlvl_bboxes, mlvl_scores, mlvl_confids, mlvl_labels = [], [], [], []
        for cls_score, bucket_pred, offset_pred, anchors in zip(cls_scores, bucket_preds, offset_preds, mlvl_anchors):
            scores = self._scores(cls_score.permute(1, 2, 0).reshape(-1, self.cls_out_channels))
            scores, labels, _, kept = filter_scores_and_topk(
                scores, cfg.score_thr, cfg.get('nms_pre', -1),
                dict(anchors=anchors, bucket=bucket_pred.permute(1, 2, 0).reshape(-1, width),
                     offset=offset_pred.permute(1, 2, 0).reshape(-1, width)))
            bboxes, confids = self.bbox_coder.decode(kept['anchors'].contiguous(), [
                kept['bucket'].contiguous(), kept['offset'].contiguous()], max_shape=img_meta['img_shape'])
            mlvl_bboxes.append(bboxes)
            mlvl_scores.append(scores)
            mlvl_confids.append(confids)
            mlvl_labels.append(labels)
        return self._bbox_post_process(mlvl_scores, mlvl_labels, mlvl_bboxes, img_meta['scale_factor'], cfg, rescale,
                                       with_nms, mlvl_confids)
