"""``SCNetRoIHead``: SCNet's cascade of box heads with one mask head, fed by a semantic branch, a global
context branch and the last box head's relayed features."""
from __future__ import annotations

import torch

from ...core.bbox import bbox2roi
from ..builder import HEADS, build_head, build_roi_extractor
from .base_roi_head import assign_and_sample
from .cascade_roi_head import CascadeRoIHead, _stage_losses
from .htc_roi_head import add_pooled_semantic


@HEADS.register_module()
class SCNetRoIHead(CascadeRoIHead):
    """Sample-consistent network (Vu et al., 2021).

    Box stages as Cascade R-CNN's; a single mask head trains on the last stage's positives (``loss_mask``,
    weighted by the sum of the stage weights). RoI features receive the ``semantic_head``'s pooled feature
    (``loss_semantic_seg`` on ``gt_semantic_seg``) and the ``glbctx_head``'s image context (``loss_glbctx``);
    the mask head also receives the last box head's shared feature through ``feat_relay_head``. The branch
    features travel as two extra entries at the end of the feature tuple (None where a branch is absent).
    """

    def __init__(self, num_stages: int, stage_loss_weights: list, semantic_roi_extractor=None, semantic_head=None,
                 feat_relay_head=None, glbctx_head=None, **kwargs):
        super().__init__(num_stages, stage_loss_weights, **kwargs)
        if not (self.with_bbox and self.with_mask):
            raise ValueError('SCNetRoIHead needs a bbox_head and a mask_head')
        if semantic_head is not None:
            if semantic_roi_extractor is None:
                raise ValueError('model.roi_head.semantic_head needs a semantic_roi_extractor')
            self.semantic_roi_extractor = build_roi_extractor(semantic_roi_extractor)
            self.semantic_head = build_head(semantic_head)
        if feat_relay_head is not None:
            self.feat_relay_head = build_head(feat_relay_head)
        if glbctx_head is not None:
            self.glbctx_head = build_head(glbctx_head)

    def init_mask_head(self, mask_roi_extractor, mask_head) -> None:
        if mask_roi_extractor is None:
            raise ValueError('SCNetRoIHead needs a mask_roi_extractor')
        self.mask_roi_extractor = build_roi_extractor(mask_roi_extractor)
        self.mask_head = build_head(mask_head)

    @property
    def with_semantic(self) -> bool:
        return getattr(self, 'semantic_head', None) is not None

    @property
    def with_feat_relay(self) -> bool:
        return getattr(self, 'feat_relay_head', None) is not None

    @property
    def with_glbctx(self) -> bool:
        return getattr(self, 'glbctx_head', None) is not None

    @property
    def test_mask_head(self):
        return self.mask_head

    def _with_context(self, x) -> tuple:
        """The features followed by the semantic and global-context features (None without the branch)."""
        semantic = self.semantic_head(x)[1] if self.with_semantic else None
        glbctx = self.glbctx_head(x)[1] if self.with_glbctx else None
        return (*x, semantic, glbctx)

    def _fuse_context(self, roi_feats, x, rois):
        """``roi_feats`` plus the pooled semantic feature and each RoI's image context."""
        semantic, glbctx = x[-2], x[-1]
        if semantic is not None:
            roi_feats = add_pooled_semantic(roi_feats, self.semantic_roi_extractor, semantic, rois)
        if glbctx is not None:
            roi_feats = roi_feats + glbctx[rois[:, 0].long()]
        return roi_feats

    def _bbox_forward(self, stage: int, x, rois) -> dict:
        extractor = self.bbox_roi_extractor[stage]
        bbox_feats = self._fuse_context(extractor(x[:extractor.num_inputs], rois), x, rois)
        cls_score, bbox_pred, relayed_feat = self.bbox_head[stage](bbox_feats, return_shared_feat=True)
        return dict(cls_score=cls_score, bbox_pred=bbox_pred, relayed_feat=relayed_feat)

    def _mask_forward(self, x, rois, relayed_feat=None) -> dict:
        extractor = self.mask_roi_extractor
        mask_feats = self._fuse_context(extractor(x[:extractor.num_inputs], rois), x, rois)
        if relayed_feat is not None:
            mask_feats = mask_feats + relayed_feat
        return dict(mask_pred=self.mask_head(mask_feats))

    def _relayed(self, relayed_feat):
        return self.feat_relay_head(relayed_feat) if self.with_feat_relay else None

    def forward_dummy(self, x, proposals):
        """Raw outputs of every box stage and of the mask head, for FLOPs counting."""
        x = self._with_context(x)
        rois = bbox2roi([proposals])
        outs = ()
        for stage in range(self.num_stages):
            bbox_results = self._bbox_forward(stage, x, rois)
            outs = outs + (bbox_results['cls_score'], bbox_results['bbox_pred'])
        mask_rois = rois[:100]
        relayed = self._relayed(self._bbox_forward(-1, x, mask_rois)['relayed_feat'])
        return outs + (self._mask_forward(x, mask_rois, relayed)['mask_pred'], )

    def _context_losses(self, x, gt_labels, gt_semantic_seg) -> tuple[dict, tuple]:
        losses, semantic, glbctx = {}, None, None
        if self.with_semantic:
            if gt_semantic_seg is None:
                raise ValueError('SCNetRoIHead with a semantic_head needs gt_semantic_seg: load it with '
                                 "LoadAnnotations(with_seg=True) (and the dataset's seg_prefix), and collect it")
            semantic_pred, semantic = self.semantic_head(x)
            losses['loss_semantic_seg'] = self.semantic_head.loss(semantic_pred, gt_semantic_seg)
        if self.with_glbctx:
            glbctx_pred, glbctx = self.glbctx_head(x)
            losses['loss_glbctx'] = self.glbctx_head.loss(glbctx_pred, gt_labels)
        return losses, (*x, semantic, glbctx)

    def forward_train(self, x, img_metas, proposal_list, gt_bboxes, gt_labels, gt_bboxes_ignore=None,
                      gt_masks=None, gt_semantic_seg=None, **kwargs) -> dict:
        """``loss_semantic_seg``, ``loss_glbctx``, per stage ``s{i}.loss_cls``/``acc``/``loss_bbox``, then
        ``loss_mask``."""
        losses, x = self._context_losses(x, gt_labels, gt_semantic_seg)
        for stage in range(self.num_stages):
            self.current_stage = stage
            sampling_results = assign_and_sample(self.bbox_assigner[stage], self.bbox_sampler[stage], x,
                                                 proposal_list, gt_bboxes, gt_labels, gt_bboxes_ignore)
            bbox_results = self._bbox_forward_train(stage, x, sampling_results, gt_bboxes, gt_labels)
            losses.update(_stage_losses(bbox_results['loss_bbox'], stage, self.stage_loss_weights[stage]))
            if stage < self.num_stages - 1:
                with torch.no_grad():
                    proposal_list = self._refined_proposals(stage, bbox_results, sampling_results, img_metas)
        relayed = None
        if self.with_feat_relay:
            is_pos = torch.cat([torch.arange(len(res.bboxes), device=res.bboxes.device) < len(res.pos_bboxes)
                                for res in sampling_results])
            relayed = self._relayed(bbox_results['relayed_feat'][is_pos])
        pos_rois = bbox2roi([res.pos_bboxes for res in sampling_results])
        mask_pred = self._mask_forward(x, pos_rois, relayed)['mask_pred']
        mask_targets = self.mask_head.get_targets(sampling_results, gt_masks, self.train_cfg[-1])
        pos_labels = torch.cat([res.pos_gt_labels for res in sampling_results])
        loss_mask = self.mask_head.loss(mask_pred, mask_targets, pos_labels)['loss_mask']
        losses['loss_mask'] = sum(self.stage_loss_weights) * loss_mask
        return losses

    def _stage_mask_probs(self, x, rois, det_labels=None) -> list:
        relayed = self._relayed(self._bbox_forward(-1, x, rois)['relayed_feat'])
        return [self._mask_forward(x, rois, relayed)['mask_pred'].sigmoid().cpu().numpy()]

    def _test_mask_preds(self, x, rois, num_per_img: list) -> list:
        relayed = self._relayed(self._bbox_forward(-1, x, rois)['relayed_feat'])
        return self._mask_forward(x, rois, relayed)['mask_pred'].split(num_per_img, 0)

    def simple_test(self, x, proposal_list, img_metas, proposals=None, rescale: bool = False) -> list:
        """Per image mmdet results: per-class ``(n, 5)`` arrays and per-class masks."""
        return super().simple_test(self._with_context(x), proposal_list, img_metas, rescale=rescale)

    def aug_test(self, x, proposal_list, img_metas, rescale: bool = False) -> list:
        """Test-time augmentation (one image), each augmentation with its own branch features."""
        return super().aug_test([self._with_context(feats) for feats in x], proposal_list, img_metas,
                                rescale=rescale)
