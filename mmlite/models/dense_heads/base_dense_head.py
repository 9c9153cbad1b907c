"""``BaseDenseHead``: training entry, post-processing and test-time augmentation of dense heads."""
from __future__ import annotations

import torch
import torch.nn as nn

from ...core.bbox import bbox_mapping_back
from ...core.post_processing import batched_nms, dets_in_first_aug_frame, merge_aug_proposals
from ...core.utils import filter_scores_and_topk, select_single_mlvl
from ...ops import DeformConv2dPack, ModulatedDeformConv2dPack
from ...runner import BaseModule


def zero_deform_offsets(module: nn.Module) -> None:
    """Zero the offset (and mask) convs of every deformable conv pack in ``module``: they start as plain convs."""
    for layer in module.modules():
        if isinstance(layer, (DeformConv2dPack, ModulatedDeformConv2dPack)):
            nn.init.zeros_(layer.conv_offset.weight)
            nn.init.zeros_(layer.conv_offset.bias)


def nms_per_class(bboxes: torch.Tensor, labels: torch.Tensor, cfg) -> tuple:
    """Keypoint heads' NMS: per-class ``cfg.nms`` (or the older ``nms_cfg``) over ``(n, 5)`` detections, then the
    best ``cfg.max_per_img`` (all with a non-positive value)."""
    if labels.numel() > 0:
        nms_cfg = cfg.get('nms', cfg.get('nms_cfg'))
        bboxes, keep = batched_nms(bboxes[:, :4], bboxes[:, -1].contiguous(), labels, nms_cfg)
        if cfg.max_per_img > 0:
            bboxes, labels = bboxes[:cfg.max_per_img], labels[keep][:cfg.max_per_img]
    return bboxes, labels


class BaseDenseHead(BaseModule):
    """Dense (per-location) heads: RPNHead, RetinaHead...

    Subclasses provide ``forward``, ``loss``, ``prior_generator``, ``bbox_coder``,
    ``cls_out_channels`` and ``use_sigmoid_cls``.
    """

    def init_weights(self) -> None:
        """``init_cfg`` as usual, then zero the offset convs of deformable conv packs again (a layer-wide
        ``init_cfg`` such as ``Normal(layer='Conv2d')`` reaches them too): they start as plain convs, as mmdet.
        Offset convs fed by predicted shapes (FoveaBox's, guided anchoring's ``conv_offset``) keep their init."""
        super().init_weights()
        zero_deform_offsets(self)

    def forward_train(self, x, img_metas, gt_bboxes, gt_labels=None, gt_bboxes_ignore=None,
                      proposal_cfg=None, **kwargs):
        """Losses (and, with ``proposal_cfg``, proposals for a second stage)."""
        outs = self(x)
        loss_inputs = outs + ((gt_bboxes, img_metas) if gt_labels is None else (gt_bboxes, gt_labels, img_metas))
        losses = self.loss(*loss_inputs, gt_bboxes_ignore=gt_bboxes_ignore)
        if proposal_cfg is None:
            return losses
        with torch.no_grad():
            proposal_list = self.get_bboxes(*outs, img_metas=img_metas, cfg=proposal_cfg)
        return losses, proposal_list

    def get_bboxes(self, cls_scores, bbox_preds, score_factors=None, img_metas=None, cfg=None,
                   rescale: bool = False, with_nms: bool = True, **kwargs) -> list:
        """Per image ``(det_bboxes (k, 5), det_labels (k,))`` (or proposals for RPN)."""
        num_levels = len(cls_scores)
        featmap_sizes = [cls_scores[i].shape[-2:] for i in range(num_levels)]
        mlvl_priors = self.prior_generator.grid_priors(featmap_sizes, dtype=cls_scores[0].dtype,
                                                       device=cls_scores[0].device)
        results = []
        for img_id, img_meta in enumerate(img_metas):
            score_factor_list = (select_single_mlvl(score_factors, img_id) if score_factors is not None
                                 else [None] * num_levels)
            results.append(self._get_bboxes_single(select_single_mlvl(cls_scores, img_id),
                                                   select_single_mlvl(bbox_preds, img_id), score_factor_list,
                                                   mlvl_priors, img_meta, cfg, rescale, with_nms, **kwargs))
        return results

    def _get_bboxes_single(self, cls_score_list, bbox_pred_list, score_factor_list, mlvl_priors, img_meta,
                           cfg, rescale=False, with_nms=True, **kwargs):
        cfg = self.test_cfg if cfg is None else cfg
        nms_pre = cfg.get('nms_pre', -1)
        with_factors = score_factor_list[0] is not None
        mlvl_bboxes, mlvl_scores, mlvl_labels, mlvl_factors = [], [], [], []
        for level, (cls_score, bbox_pred, factor, priors) in enumerate(zip(cls_score_list, bbox_pred_list,
                                                                           score_factor_list, mlvl_priors)):
            bbox_pred = bbox_pred.permute(1, 2, 0).reshape(-1, 4)
            scores = self._scores(cls_score.permute(1, 2, 0).reshape(-1, self.cls_out_channels))
            scores, labels, keep, filtered = filter_scores_and_topk(
                scores, cfg.score_thr, nms_pre, dict(bbox_pred=bbox_pred, priors=priors))
            mlvl_bboxes.append(self._decode(filtered['priors'], filtered['bbox_pred'], img_meta['img_shape'], level))
            mlvl_scores.append(scores)
            mlvl_labels.append(labels)
            if with_factors:
                mlvl_factors.append(factor.permute(1, 2, 0).reshape(-1).sigmoid()[keep])
        return self._bbox_post_process(mlvl_scores, mlvl_labels, mlvl_bboxes, img_meta['scale_factor'], cfg,
                                       rescale, with_nms, mlvl_factors if with_factors else None)

    def _scores(self, cls_score):
        """Class probabilities ``(n, num_classes)`` from one level's flattened ``cls_score``."""
        return cls_score.sigmoid() if self.use_sigmoid_cls else cls_score.softmax(-1)[:, :-1]

    def _decode(self, priors, bbox_pred, img_shape, level: int):
        """Boxes of one level's kept predictions (the bbox coder's decoding, clipped to ``img_shape``)."""
        return self.bbox_coder.decode(priors, bbox_pred, max_shape=img_shape)

    def _bbox_post_process(self, mlvl_scores, mlvl_labels, mlvl_bboxes, scale_factor, cfg, rescale=False,
                           with_nms=True, mlvl_score_factors=None, **kwargs):
        bboxes = torch.cat(mlvl_bboxes)
        if rescale:
            bboxes /= bboxes.new_tensor(scale_factor)
        scores, labels = torch.cat(mlvl_scores), torch.cat(mlvl_labels)
        if mlvl_score_factors is not None:
            scores = scores * torch.cat(mlvl_score_factors)
        if not with_nms:
            return bboxes, scores, labels
        if bboxes.numel() == 0:
            return torch.cat([bboxes, scores[:, None]], -1), labels
        dets, keep = batched_nms(bboxes, scores, labels, cfg.nms)
        return dets[:cfg.max_per_img], labels[keep][:cfg.max_per_img]

    def simple_test_bboxes(self, feats, img_metas, rescale: bool = False) -> list:
        return self.get_bboxes(*self.forward(feats), img_metas=img_metas, rescale=rescale)

    def simple_test(self, feats, img_metas, rescale: bool = False) -> list:
        return self.simple_test_bboxes(feats, img_metas, rescale=rescale)

    def simple_test_rpn(self, x, img_metas) -> list:
        return self.get_bboxes(*self(x), img_metas=img_metas)

    def aug_test_rpn(self, feats, img_metas) -> list:
        """Proposals merged over augmentations (mapped back to the original image, then NMS)."""
        samples_per_gpu = len(img_metas[0])
        aug_proposals = [[] for _ in range(samples_per_gpu)]
        for x, img_meta in zip(feats, img_metas):
            for i, proposals in enumerate(self.simple_test_rpn(x, img_meta)):
                aug_proposals[i].append(proposals)
        metas = [[img_meta[i] for img_meta in img_metas] for i in range(samples_per_gpu)]
        return [merge_aug_proposals(p, m, self.test_cfg) for p, m in zip(aug_proposals, metas)]

    def aug_test(self, feats, img_metas, rescale: bool = False) -> list:
        """Detections merged over augmentations (one image per batch)."""
        aug_bboxes, aug_scores, aug_labels = [], [], []
        for x, img_meta in zip(feats, img_metas):
            bboxes, scores, labels = self.get_bboxes(*self.forward(x), img_metas=img_meta, cfg=self.test_cfg,
                                                     rescale=False, with_nms=False)[0]
            meta = img_meta[0]
            aug_bboxes.append(bbox_mapping_back(bboxes, meta['img_shape'], meta['scale_factor'], meta['flip'],
                                                meta.get('flip_direction', 'horizontal')))
            aug_scores.append(scores)
            aug_labels.append(labels)
        bboxes, scores, labels = torch.cat(aug_bboxes), torch.cat(aug_scores), torch.cat(aug_labels)
        if bboxes.numel() == 0:
            return [(torch.cat([bboxes, scores[:, None]], -1), labels)]
        dets, keep = batched_nms(bboxes, scores, labels, self.test_cfg.nms)
        max_per_img = self.test_cfg.get('max_per_img')  # YOLOX keeps every detection
        dets, labels = dets[:max_per_img], labels[keep][:max_per_img]
        return [(dets_in_first_aug_frame(dets, img_metas, rescale), labels)]
