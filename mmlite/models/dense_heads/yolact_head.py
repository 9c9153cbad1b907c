"""``YOLACTHead``: YOLACT's box head: anchors with class scores, box deltas and per-anchor mask coefficients,
online hard negative mining, Fast NMS."""
from __future__ import annotations

import torch
import torch.nn as nn

from ...cnn import ConvModule
from ...core.anchor import images_to_levels
from ...core.bbox import build_sampler
from ...core.post_processing import fast_nms
from ...core.utils import multi_apply, select_single_mlvl
from ...runner import ModuleList, force_fp32
from ..builder import HEADS
from .anchor_head import AnchorHead
from .yolact_mask_heads import InterpolateModule, YOLACTProtonet, YOLACTSegmHead  # noqa: F401


@HEADS.register_module()
class YOLACTHead(AnchorHead):
    """Shared ``num_head_convs`` convs, then ``conv_cls``, ``conv_reg`` and ``conv_coeff`` (``num_protos``
    tanh coefficients per anchor). With ``use_ohem`` the classification loss keeps every positive and the
    ``train_cfg.neg_pos_ratio`` times as many hardest negatives per image. :meth:`loss` also returns the
    sampling results (the mask head trains on the positives).

    Args:
        num_head_convs: Shared convs. Defaults to 1.
        num_protos: Mask coefficients per anchor. Defaults to 32.
        use_ohem: Hard negative mining. Defaults to True.
        conv_cfg / norm_cfg: Of the shared convs.
    """

    extra_train_cfg_keys = ('neg_pos_ratio', )
    extra_test_cfg_keys = ('iou_thr', 'top_k')
    required_test_cfg_keys = ('score_thr', 'iou_thr', 'top_k', 'max_per_img')

    def __init__(self, num_classes: int, in_channels: int,
                 anchor_generator=dict(type='AnchorGenerator', octave_base_scale=3, scales_per_octave=1,  # noqa
                                       ratios=[0.5, 1.0, 2.0], strides=[8, 16, 32, 64, 128]),
                 loss_cls=dict(type='CrossEntropyLoss', use_sigmoid=False, reduction='none',  # noqa: B006
                               loss_weight=1.0),
                 loss_bbox=dict(type='SmoothL1Loss', beta=1.0, loss_weight=1.5),  # noqa: B006
                 num_head_convs: int = 1, num_protos: int = 32, use_ohem: bool = True, conv_cfg=None,
                 norm_cfg=None, init_cfg=dict(type='Xavier', distribution='uniform', bias=0,  # noqa: B006
                                              layer='Conv2d'), **kwargs):
        self.num_head_convs, self.num_protos, self.use_ohem = num_head_convs, num_protos, use_ohem
        self.conv_cfg, self.norm_cfg = conv_cfg, norm_cfg
        super().__init__(num_classes, in_channels, loss_cls=loss_cls, loss_bbox=loss_bbox,
                         anchor_generator=anchor_generator, init_cfg=init_cfg, **kwargs)
        if self.use_ohem and self.train_cfg:
            self.sampler = build_sampler(dict(type='PseudoSampler'), context=self)
            self.sampling = False

    def _init_layers(self) -> None:
        self.relu = nn.ReLU(inplace=True)
        self.head_convs = ModuleList([
            ConvModule(self.in_channels if i == 0 else self.feat_channels, self.feat_channels, 3, padding=1,
                       conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg) for i in range(self.num_head_convs)])
        for name, channels in (('conv_cls', self.cls_out_channels), ('conv_reg', 4), ('conv_coeff', self.num_protos)):
            setattr(self, name, nn.Conv2d(self.feat_channels, self.num_base_priors * channels, 3, padding=1))

    def forward_single(self, x):
        for conv in self.head_convs:
            x = conv(x)
        return self.conv_cls(x), self.conv_reg(x), self.conv_coeff(x).tanh()

    @force_fp32(apply_to=('cls_scores', 'bbox_preds'))
    def loss(self, cls_scores, bbox_preds, gt_bboxes, gt_labels, img_metas, gt_bboxes_ignore=None) -> tuple:
        """``(dict(loss_cls, loss_bbox), sampling_results)``; with OHEM the losses are per image."""
        featmap_sizes = [featmap.size()[-2:] for featmap in cls_scores]
        anchor_list, valid_flag_list = self.get_anchors(featmap_sizes, img_metas, device=cls_scores[0].device)
        targets = self.get_targets(anchor_list, valid_flag_list, gt_bboxes, img_metas,
                                   gt_bboxes_ignore_list=gt_bboxes_ignore, gt_labels_list=gt_labels,
                                   label_channels=self.cls_out_channels if self.use_sigmoid_cls else 1,
                                   unmap_outputs=not self.use_ohem, return_sampling_results=True)
        if targets is None:
            return None
        labels, label_weights, bbox_targets, bbox_weights, num_pos, num_neg, sampling_results = targets[:7]
        num_images = len(img_metas)
        all_anchors = [torch.cat(anchors) for anchors in anchor_list]
        if self.use_ohem:
            flat = [torch.cat([s.permute(0, 2, 3, 1).reshape(num_images, -1, self.cls_out_channels)
                               for s in cls_scores], 1),
                    torch.cat([b.permute(0, 2, 3, 1).reshape(num_images, -1, 4) for b in bbox_preds], -2), all_anchors,
                    torch.cat(labels, -1).view(num_images, -1), torch.cat(label_weights, -1).view(num_images, -1),
                    torch.cat(bbox_targets, -2).view(num_images, -1, 4),
                    torch.cat(bbox_weights, -2).view(num_images, -1, 4)]
            losses_cls, losses_bbox = multi_apply(self.loss_single_OHEM, *flat, num_total_samples=num_pos)
        else:
            num_total_samples = num_pos + num_neg if self.sampling else num_pos
            level_anchors = images_to_levels(all_anchors, [anchors.size(0) for anchors in anchor_list[0]])
            losses_cls, losses_bbox = multi_apply(self.loss_single, cls_scores, bbox_preds, level_anchors, labels,
                                                  label_weights, bbox_targets, bbox_weights,
                                                  num_total_samples=num_total_samples)
        return dict(loss_cls=losses_cls, loss_bbox=losses_bbox), sampling_results

    def loss_single_OHEM(self, cls_score, bbox_pred, anchors, labels, label_weights, bbox_targets, bbox_weights,
                         num_total_samples) -> tuple:
        """One image: the positives' and the hardest negatives' classification loss, and the box loss."""
        loss_cls_all = self.loss_cls(cls_score, labels, label_weights)
        pos_inds = ((labels >= 0) & (labels < self.num_classes)).nonzero(as_tuple=False).reshape(-1)
        neg_inds = (labels == self.num_classes).nonzero(as_tuple=False).view(-1)
        num_neg = neg_inds.size(0) if pos_inds.size(0) == 0 else \
            min(self.train_cfg.neg_pos_ratio * pos_inds.size(0), neg_inds.size(0))
        loss_cls = (loss_cls_all[pos_inds].sum() + loss_cls_all[neg_inds].topk(num_neg)[0].sum()) / num_total_samples
        if self.reg_decoded_bbox:
            bbox_pred = self.bbox_coder.decode(anchors, bbox_pred)
        loss_bbox = self.loss_bbox(bbox_pred, bbox_targets, bbox_weights, avg_factor=num_total_samples)
        return loss_cls[None], loss_bbox

    @force_fp32(apply_to=('cls_scores', 'bbox_preds', 'coeff_preds'))
    def get_bboxes(self, cls_scores, bbox_preds, coeff_preds, img_metas, cfg=None, rescale: bool = False) -> tuple:
        """Per image lists: ``det_bboxes (k, 5)``, ``det_labels (k,)`` and ``det_coeffs (k, num_protos)``."""
        featmap_sizes = [score.shape[-2:] for score in cls_scores]
        mlvl_anchors = self.prior_generator.grid_priors(featmap_sizes, device=cls_scores[0].device)
        results = [self._get_bboxes_single(select_single_mlvl(cls_scores, i), select_single_mlvl(bbox_preds, i),
                                           select_single_mlvl(coeff_preds, i), mlvl_anchors, meta['img_shape'],
                                           meta['scale_factor'], cfg, rescale) for i, meta in enumerate(img_metas)]
        return tuple(list(part) for part in zip(*results)) if results else ([], [], [])

    def _get_bboxes_single(self, cls_score_list, bbox_pred_list, coeff_preds_list, mlvl_anchors, img_shape,
                           scale_factor, cfg, rescale: bool = False) -> tuple:
        cfg = self.test_cfg if cfg is None else cfg
        nms_pre = cfg.get('nms_pre', -1)
        mlvl_bboxes, mlvl_scores, mlvl_coeffs = [], [], []
        for cls_score, bbox_pred, coeff_pred, anchors in zip(cls_score_list, bbox_pred_list, coeff_preds_list,
                                                             mlvl_anchors):
            cls_score = cls_score.permute(1, 2, 0).reshape(-1, self.cls_out_channels)
            scores = cls_score.sigmoid() if self.use_sigmoid_cls else cls_score.softmax(-1)
            bbox_pred = bbox_pred.permute(1, 2, 0).reshape(-1, 4)
            coeff_pred = coeff_pred.permute(1, 2, 0).reshape(-1, self.num_protos)
            if 0 < nms_pre < scores.shape[0]:
                max_scores = (scores if self.use_sigmoid_cls else scores[:, :-1]).max(dim=1)[0]
                topk_inds = max_scores.topk(nms_pre)[1]
                anchors, bbox_pred, scores, coeff_pred = (anchors[topk_inds], bbox_pred[topk_inds],
                                                          scores[topk_inds], coeff_pred[topk_inds])
            mlvl_bboxes.append(self.bbox_coder.decode(anchors, bbox_pred, max_shape=img_shape))
            mlvl_scores.append(scores)
            mlvl_coeffs.append(coeff_pred)
        bboxes, scores, coeffs = torch.cat(mlvl_bboxes), torch.cat(mlvl_scores), torch.cat(mlvl_coeffs)
        if rescale:
            bboxes /= bboxes.new_tensor(scale_factor)
        if self.use_sigmoid_cls:  # fast_nms expects a background column
            scores = torch.cat([scores, scores.new_zeros(scores.shape[0], 1)], dim=1)
        return fast_nms(bboxes, scores, coeffs, cfg.score_thr, cfg.iou_thr, cfg.top_k, cfg.max_per_img)
