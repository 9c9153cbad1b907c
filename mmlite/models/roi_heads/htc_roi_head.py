"""``HybridTaskCascadeRoIHead``: Cascade Mask R-CNN with interleaved box/mask stages, mask information
flow and a semantic segmentation branch."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ..builder import HEADS, build_head, build_roi_extractor
from .base_roi_head import assign_and_sample
from .cascade_roi_head import CascadeRoIHead, _stage_losses

_FUSION_BRANCHES = ('bbox', 'mask')


def add_pooled_semantic(roi_feats, extractor, semantic, rois):
    """``roi_feats`` plus the ``semantic`` feature map pooled over ``rois`` by ``extractor`` (average-pooled to the
    RoI features' size when it differs)."""
    pooled = extractor([semantic], rois)
    if pooled.shape[-2:] != roi_feats.shape[-2:]:
        pooled = F.adaptive_avg_pool2d(pooled, roi_feats.shape[-2:])
    return roi_feats + pooled


@HEADS.register_module()
class HybridTaskCascadeRoIHead(CascadeRoIHead):
    """Hybrid Task Cascade (Chen et al., 2019).

    On top of ``CascadeRoIHead``:

    - ``interleaved``: each stage's mask head trains on RoIs re-sampled from the boxes its own box head
      just refined (instead of on the box head's input RoIs);
    - ``mask_info_flow``: each mask head also takes the previous mask heads' features (``HTCMaskHead``);
    - ``semantic_head`` (``FusedSemanticHead``): a segmentation branch trained on ``gt_semantic_seg``
      (logged as ``loss_semantic_seg``) whose feature, pooled by ``semantic_roi_extractor``, is added to
      the RoI features of the branches named in ``semantic_fusion``.

    The semantic feature travels as one extra last entry of the feature tuple the stage methods
    receive; the RoI extractors read only their own ``num_inputs`` levels, so they never see it.
    """

    def __init__(self, num_stages: int, stage_loss_weights: list, semantic_roi_extractor=None, semantic_head=None,
                 semantic_fusion=('bbox', 'mask'), interleaved: bool = True, mask_info_flow: bool = True,
                 **kwargs):
        super().__init__(num_stages, stage_loss_weights, **kwargs)
        unknown = [name for name in semantic_fusion if name not in _FUSION_BRANCHES]
        if unknown:
            raise ValueError(f'model.roi_head.semantic_fusion: unknown branch(es) {unknown}; '
                             f'expected names from {_FUSION_BRANCHES}')
        if semantic_head is not None:
            if semantic_roi_extractor is None:
                raise ValueError('model.roi_head.semantic_head needs a semantic_roi_extractor (it pools the '
                                 'semantic feature for each RoI)')
            self.semantic_roi_extractor = build_roi_extractor(semantic_roi_extractor)
            self.semantic_head = build_head(semantic_head)
        self.semantic_fusion = tuple(semantic_fusion)
        self.interleaved = interleaved
        self.mask_info_flow = mask_info_flow

    @property
    def with_semantic(self) -> bool:
        return getattr(self, 'semantic_head', None) is not None

    def _with_semantic_feat(self, x) -> tuple:
        """The features with the semantic feature appended (unchanged without a semantic head)."""
        return (*x, self.semantic_head(x)[1]) if self.with_semantic else tuple(x)

    def _fuse_semantic(self, roi_feats, x, rois, branch: str):
        """``roi_feats`` plus the semantic feature pooled over ``rois`` when fused here."""
        if not self.with_semantic or branch not in self.semantic_fusion:
            return roi_feats
        return add_pooled_semantic(roi_feats, self.semantic_roi_extractor, x[-1], rois)

    def forward_dummy(self, x, proposals):
        return super().forward_dummy(self._with_semantic_feat(x), proposals)

    def _bbox_forward(self, stage: int, x, rois) -> dict:
        extractor = self.bbox_roi_extractor[stage]
        bbox_feats = self._fuse_semantic(extractor(x[:extractor.num_inputs], rois), x, rois, 'bbox')
        cls_score, bbox_pred = self.bbox_head[stage](bbox_feats)
        return dict(cls_score=cls_score, bbox_pred=bbox_pred, bbox_feats=bbox_feats)

    def _mask_feats(self, stage: int, x, rois):
        extractor = self.mask_roi_extractor[stage]
        return self._fuse_semantic(extractor(x[:extractor.num_inputs], rois), x, rois, 'mask')

    def _mask_forward(self, stage: int, x, rois) -> dict:
        """Stage ``stage``'s mask logits; with information flow, after the earlier heads' features."""
        mask_feats = self._mask_feats(stage, x, rois)
        if not self.mask_info_flow:
            return dict(mask_pred=self.mask_head[stage](mask_feats, return_feat=False))
        last_feat = None
        for i in range(stage):
            last_feat = self.mask_head[i](mask_feats, last_feat, return_logits=False)
        return dict(mask_pred=self.mask_head[stage](mask_feats, last_feat, return_feat=False))

    def _stage_mask_probs(self, x, rois, det_labels=None) -> list:
        """Every stage's mask probabilities, one pass along the information flow (the last extractor's
        features, as mmdet)."""
        mask_feats = self._mask_feats(self.num_stages - 1, x, rois)
        probs, last_feat = [], None
        for head in self.mask_head:
            if self.mask_info_flow:
                mask_pred, last_feat = head(mask_feats, last_feat)
            else:
                mask_pred = head(mask_feats, return_feat=False)
            probs.append(mask_pred.sigmoid().cpu().numpy())
        return probs

    def forward_train(self, x, img_metas, proposal_list, gt_bboxes, gt_labels, gt_bboxes_ignore=None,
                      gt_masks=None, gt_semantic_seg=None, **kwargs) -> dict:
        """``loss_semantic_seg`` (with a semantic head), then per stage ``s{i}.loss_cls``, ``s{i}.acc``,
        ``s{i}.loss_bbox`` and ``s{i}.loss_mask``."""
        losses = {}
        if self.with_semantic:
            if gt_semantic_seg is None:
                raise ValueError('HybridTaskCascadeRoIHead with a semantic_head needs gt_semantic_seg: load it with '
                                 "LoadAnnotations(with_seg=True) (and the dataset's seg_prefix), and collect it")
            semantic_pred, semantic_feat = self.semantic_head(x)
            losses['loss_semantic_seg'] = self.semantic_head.loss(semantic_pred, gt_semantic_seg)
            x = (*x, semantic_feat)
        for stage in range(self.num_stages):
            self.current_stage = stage
            weight = self.stage_loss_weights[stage]
            sample = self._stage_sampling(stage, x, gt_bboxes, gt_labels, gt_bboxes_ignore)
            sampling_results = sample(proposal_list)
            bbox_results = self._bbox_forward_train(stage, x, sampling_results, gt_bboxes, gt_labels)
            losses.update(_stage_losses(bbox_results['loss_bbox'], stage, weight))
            interleave = self.with_mask and self.interleaved
            if stage < self.num_stages - 1 or interleave:
                with torch.no_grad():
                    proposal_list = self._refined_proposals(stage, bbox_results, sampling_results, img_metas)
            if self.with_mask:
                if interleave:  # the mask head trains on RoIs sampled from this stage's refined boxes
                    with torch.no_grad():
                        sampling_results = sample(proposal_list)
                mask_results = self._mask_forward_train(stage, x, sampling_results, gt_masks)
                losses.update(_stage_losses(mask_results['loss_mask'], stage, weight))
        return losses

    def _stage_sampling(self, stage: int, x, gt_bboxes, gt_labels, gt_bboxes_ignore):
        def sample(proposal_list):
            return assign_and_sample(self.bbox_assigner[stage], self.bbox_sampler[stage], x, proposal_list,
                                     gt_bboxes, gt_labels, gt_bboxes_ignore)
        return sample

    def simple_test(self, x, proposal_list, img_metas, proposals=None, rescale: bool = False) -> list:
        """Per image mmdet results: per-class ``(n, 5)`` arrays and per-class masks."""
        return super().simple_test(self._with_semantic_feat(x), proposal_list, img_metas, rescale=rescale)

    def aug_test(self, x, proposal_list, img_metas, rescale: bool = False) -> list:
        """Test-time augmentation (one image), each augmentation with its own semantic feature."""
        return super().aug_test([self._with_semantic_feat(feats) for feats in x], proposal_list, img_metas,
                                rescale=rescale)
