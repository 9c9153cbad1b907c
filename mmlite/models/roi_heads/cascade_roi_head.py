"""``CascadeRoIHead``: Cascade R-CNN's chain of box heads, each refining the previous stage's boxes."""
from __future__ import annotations

import numpy as np
import torch

from ...core.bbox import bbox2result, bbox2roi, bbox_mapping, build_assigner, build_sampler
from ...core.post_processing import dets_in_first_aug_frame, merge_aug_bboxes, multiclass_nms
from ...runner import ModuleList
from ..builder import HEADS, build_head, build_roi_extractor
from .base_roi_head import BaseRoIHead, assign_and_sample
from .test_mixins import MaskTestMixin, _aug_meta, split_bbox_pred


def _per_stage(cfg, num_stages: int, name: str) -> list:
    """One config per stage: a list of ``num_stages`` configs, or one config repeated."""
    if not isinstance(cfg, (list, tuple)):
        return [cfg] * num_stages
    if len(cfg) != num_stages:
        raise ValueError(f'model.roi_head.{name} lists {len(cfg)} configs but num_stages={num_stages}; give one '
                         'config per stage, or one dict for all stages')
    return list(cfg)


def _stage_losses(losses: dict, stage: int, weight: float) -> dict:
    """``s{stage}.{name}`` entries, the loss terms scaled by the stage's weight (``acc`` is not)."""
    return {f's{stage}.{name}': value * weight if 'loss' in name else value for name, value in losses.items()}


@HEADS.register_module()
class CascadeRoIHead(MaskTestMixin, BaseRoIHead):
    """Cascade R-CNN (Cai & Vasconcelos, 2018): ``num_stages`` box (and mask) heads in sequence.

    Each stage is trained on the previous stage's refined boxes with its own ``train_cfg.rcnn[i]``
    (stricter IoU thresholds) and loss weight ``stage_loss_weights[i]``; losses are logged as
    ``s{i}.loss_cls``, ``s{i}.acc``, ``s{i}.loss_bbox`` (``s{i}.loss_mask``). At test time the class
    scores of all stages are averaged and the last stage's boxes kept; mask probabilities are averaged
    over the stages' mask heads.

    Args:
        num_stages: Number of stages.
        stage_loss_weights: Weight of each stage's losses.
        bbox_roi_extractor / bbox_head / mask_roi_extractor / mask_head: One config per stage (a list),
            or one config used by every stage.
        train_cfg: ``model.train_cfg.rcnn``: a list with one dict per stage.
        test_cfg: ``model.test_cfg.rcnn``.
    """

    def __init__(self, num_stages: int, stage_loss_weights: list, bbox_roi_extractor=None, bbox_head=None,
                 mask_roi_extractor=None, mask_head=None, shared_head=None, train_cfg=None, test_cfg=None,
                 pretrained=None, init_cfg=None):
        if bbox_roi_extractor is None or bbox_head is None:
            raise ValueError('CascadeRoIHead needs bbox_roi_extractor and bbox_head (model.roi_head)')
        if shared_head is not None:
            raise ValueError('model.roi_head.shared_head is not supported by CascadeRoIHead (nor by mmdet 2.x)')
        if len(stage_loss_weights) != num_stages:
            raise ValueError(f'model.roi_head.stage_loss_weights has {len(stage_loss_weights)} entries but '
                             f'num_stages={num_stages}')
        self.num_stages = num_stages
        self.stage_loss_weights = stage_loss_weights
        super().__init__(bbox_roi_extractor=bbox_roi_extractor, bbox_head=bbox_head,
                         mask_roi_extractor=mask_roi_extractor, mask_head=mask_head, train_cfg=train_cfg,
                         test_cfg=test_cfg, pretrained=pretrained, init_cfg=init_cfg)

    def init_bbox_head(self, bbox_roi_extractor, bbox_head) -> None:
        self.bbox_roi_extractor = ModuleList(
            [build_roi_extractor(cfg) for cfg in _per_stage(bbox_roi_extractor, self.num_stages,
                                                            'bbox_roi_extractor')])
        self.bbox_head = ModuleList([build_head(cfg) for cfg in _per_stage(bbox_head, self.num_stages, 'bbox_head')])

    def init_mask_head(self, mask_roi_extractor, mask_head) -> None:
        self.mask_head = ModuleList([build_head(cfg) for cfg in _per_stage(mask_head, self.num_stages, 'mask_head')])
        self.share_roi_extractor = mask_roi_extractor is None
        if self.share_roi_extractor:
            self.mask_roi_extractor = self.bbox_roi_extractor
        else:
            self.mask_roi_extractor = ModuleList(
                [build_roi_extractor(cfg) for cfg in _per_stage(mask_roi_extractor, self.num_stages,
                                                                'mask_roi_extractor')])

    def init_assigner_sampler(self) -> None:
        self.bbox_assigner, self.bbox_sampler = [], []
        if self.train_cfg is None:
            return
        if not isinstance(self.train_cfg, (list, tuple)) or len(self.train_cfg) != self.num_stages:
            raise TypeError(f'model.train_cfg.rcnn must be a list with one dict per cascade stage '
                            f'({self.num_stages}), as in configs/_base_/models/cascade_rcnn_r50_fpn.py')
        for stage, stage_cfg in enumerate(self.train_cfg):
            self.current_stage = stage  # an OHEM sampler binds to the stage's head
            self.bbox_assigner.append(build_assigner(stage_cfg.assigner))
            self.bbox_sampler.append(build_sampler(stage_cfg.sampler, context=self))

    @property
    def test_mask_head(self):
        return self.mask_head[-1]

    def forward_dummy(self, x, proposals):
        """Raw outputs of every stage for FLOPs counting."""
        rois = bbox2roi([proposals])
        outs = ()
        for stage in range(self.num_stages):
            bbox_results = self._bbox_forward(stage, x, rois)
            outs = outs + (bbox_results['cls_score'], bbox_results['bbox_pred'])
        if self.with_mask:
            outs = outs + tuple(self._mask_forward(stage, x, rois[:100])['mask_pred']
                                for stage in range(self.num_stages))
        return outs

    def _bbox_forward(self, stage: int, x, rois) -> dict:
        extractor = self.bbox_roi_extractor[stage]
        bbox_feats = extractor(x[:extractor.num_inputs], rois)
        cls_score, bbox_pred = self.bbox_head[stage](bbox_feats)
        return dict(cls_score=cls_score, bbox_pred=bbox_pred, bbox_feats=bbox_feats)

    def _mask_forward(self, stage: int, x, rois) -> dict:
        extractor = self.mask_roi_extractor[stage]
        return dict(mask_pred=self.mask_head[stage](extractor(x[:extractor.num_inputs], rois)))

    def _stage_mask_probs(self, x, rois, det_labels=None) -> list:
        return [self._mask_forward(stage, x, rois)['mask_pred'].sigmoid().cpu().numpy()
                for stage in range(self.num_stages)]

    def _test_mask_preds(self, x, rois, num_per_img: list) -> list:
        """Per image, the mask probabilities averaged over the stages."""
        return np.split(np.mean(self._stage_mask_probs(x, rois), axis=0), np.cumsum(num_per_img)[:-1])

    def _bbox_forward_train(self, stage: int, x, sampling_results, gt_bboxes, gt_labels) -> dict:
        rois = bbox2roi([res.bboxes for res in sampling_results])
        bbox_results = self._bbox_forward(stage, x, rois)
        head = self.bbox_head[stage]
        bbox_targets = head.get_targets(sampling_results, gt_bboxes, gt_labels, self.train_cfg[stage])
        bbox_results.update(rois=rois, bbox_targets=bbox_targets,
                            loss_bbox=head.loss(bbox_results['cls_score'], bbox_results['bbox_pred'], rois,
                                                *bbox_targets))
        return bbox_results

    def _mask_forward_train(self, stage: int, x, sampling_results, gt_masks) -> dict:
        mask_results = self._mask_forward(stage, x, bbox2roi([res.pos_bboxes for res in sampling_results]))
        head = self.mask_head[stage]
        mask_targets = head.get_targets(sampling_results, gt_masks, self.train_cfg[stage])
        pos_labels = torch.cat([res.pos_gt_labels for res in sampling_results])
        mask_results.update(loss_mask=head.loss(mask_results['mask_pred'], mask_targets, pos_labels))
        return mask_results

    def _class_probs(self, stage: int, cls_score):
        head = self.bbox_head[stage]
        return head.loss_cls.get_activation(cls_score) if head.custom_activation else cls_score

    def forward_train(self, x, img_metas, proposal_list, gt_bboxes, gt_labels, gt_bboxes_ignore=None,
                      gt_masks=None, **kwargs) -> dict:
        """Per stage ``s{i}.loss_cls``, ``s{i}.acc``, ``s{i}.loss_bbox`` (and ``s{i}.loss_mask``)."""
        losses = {}
        for stage in range(self.num_stages):
            self.current_stage = stage
            weight = self.stage_loss_weights[stage]
            sampling_results = assign_and_sample(self.bbox_assigner[stage], self.bbox_sampler[stage], x,
                                                 proposal_list, gt_bboxes, gt_labels, gt_bboxes_ignore)
            bbox_results = self._bbox_forward_train(stage, x, sampling_results, gt_bboxes, gt_labels)
            losses.update(_stage_losses(bbox_results['loss_bbox'], stage, weight))
            if self.with_mask:
                mask_results = self._mask_forward_train(stage, x, sampling_results, gt_masks)
                losses.update(_stage_losses(mask_results['loss_mask'], stage, weight))
            if stage == self.num_stages - 1 or bbox_results['cls_score'].numel() == 0:
                break
            with torch.no_grad():
                proposal_list = self._refined_proposals(stage, bbox_results, sampling_results, img_metas)
        return losses

    def _refined_proposals(self, stage: int, bbox_results: dict, sampling_results: list, img_metas: list) -> list:
        """The next stage's proposals: sampled RoIs moved by this stage's deltas, gt boxes dropped.

        Positives are regressed with their target class, the rest with their highest-scoring class.
        """
        labels = bbox_results['bbox_targets'][0]
        head = self.bbox_head[stage]
        predicted = self._class_probs(stage, bbox_results['cls_score'])[:, :-1].argmax(1)
        labels = torch.where(labels == head.num_classes, predicted, labels)
        return head.refine_bboxes(bbox_results['rois'], labels, bbox_results['bbox_pred'],
                                  [res.pos_is_gt for res in sampling_results], img_metas)

    def _cascade_forward(self, x, rois, img_metas: list, num_per_img: list):
        """Run every stage over the RoIs; returns the last stage's RoIs and deltas, and the stage-mean scores,
        each split per image."""
        stage_scores = []
        for stage in range(self.num_stages):
            bbox_results = self._bbox_forward(stage, x, rois)
            cls_scores = bbox_results['cls_score'].split(num_per_img, 0)
            bbox_preds = split_bbox_pred(self.bbox_head[stage], bbox_results['bbox_pred'], num_per_img)
            stage_scores.append(cls_scores)
            rois = rois.split(num_per_img, 0)
            if stage < self.num_stages - 1:
                head = self.bbox_head[stage]
                rois = torch.cat([
                    head.regress_by_class(rois[i], self._class_probs(stage, cls_scores[i])[:, :-1].argmax(1),
                                          bbox_preds[i], img_metas[i]) if len(rois[i]) else rois[i]
                    for i in range(len(img_metas))])
        mean_scores = [sum(scores[i] for scores in stage_scores) / float(self.num_stages)
                       for i in range(len(img_metas))]
        return rois, mean_scores, bbox_preds

    def _empty_results(self, num_imgs: int) -> list:
        num_classes = self.bbox_head[-1].num_classes
        bbox_results = [[np.zeros((0, 5), dtype=np.float32) for _ in range(num_classes)] for _ in range(num_imgs)]
        if not self.with_mask:
            return bbox_results
        return [(bbox, [[] for _ in range(self.test_mask_head.num_classes)]) for bbox in bbox_results]

    def simple_test(self, x, proposal_list, img_metas, proposals=None, rescale: bool = False) -> list:
        """Per image mmdet results: per-class ``(n, 5)`` arrays (and per-class masks)."""
        rois = bbox2roi(proposal_list)
        if rois.shape[0] == 0:
            return self._empty_results(len(proposal_list))
        num_per_img = [len(p) for p in proposal_list]
        rois, cls_scores, bbox_preds = self._cascade_forward(x, rois, img_metas, num_per_img)
        last = self.bbox_head[-1]
        det_bboxes, det_labels = zip(*[
            last.get_bboxes(rois[i], cls_scores[i], bbox_preds[i], meta['img_shape'], meta['scale_factor'],
                            rescale=rescale, cfg=self.test_cfg) for i, meta in enumerate(img_metas)])
        bbox_results = [bbox2result(b, lab, last.num_classes) for b, lab in zip(det_bboxes, det_labels)]
        if not self.with_mask:
            return bbox_results
        return list(zip(bbox_results, self.simple_test_mask(x, img_metas, det_bboxes, det_labels, rescale=rescale)))

    def aug_test(self, x, proposal_list, img_metas, rescale: bool = False) -> list:
        """Test-time augmentation (one image): each augmentation's cascade, merged, then per-class NMS."""
        last = self.bbox_head[-1]
        aug_bboxes, aug_scores = [], []
        for feats, img_meta in zip(x, img_metas):
            img_shape, scale_factor, flip, direction = _aug_meta(img_meta)
            rois = bbox2roi([bbox_mapping(proposal_list[0][:, :4], img_shape, scale_factor, flip, direction)])
            if rois.shape[0] == 0:
                aug_bboxes.append(rois.new_zeros(0, 4))
                aug_scores.append(rois.new_zeros(0, last.num_classes + 1))
                continue
            rois, cls_scores, bbox_preds = self._cascade_forward(feats, rois, [img_meta[0]], [len(rois)])
            bboxes, scores = last.get_bboxes(rois[0], cls_scores[0], bbox_preds[0], img_shape, scale_factor,
                                             rescale=False, cfg=None)
            aug_bboxes.append(bboxes)
            aug_scores.append(scores)
        merged_bboxes, merged_scores = merge_aug_bboxes(aug_bboxes, aug_scores, img_metas, self.test_cfg)
        det_bboxes, det_labels = multiclass_nms(merged_bboxes, merged_scores, self.test_cfg.score_thr,
                                                self.test_cfg.nms, self.test_cfg.max_per_img)
        bbox_results = bbox2result(dets_in_first_aug_frame(det_bboxes, img_metas, rescale), det_labels,
                                   last.num_classes)
        if not self.with_mask:
            return [bbox_results]
        return [(bbox_results, self.aug_test_mask(x, img_metas, det_bboxes, det_labels))]
