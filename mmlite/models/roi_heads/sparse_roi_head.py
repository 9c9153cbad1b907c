"""``SparseRoIHead``: Sparse R-CNN's stages of dynamic instance interaction over learnt proposals."""
from __future__ import annotations

import numpy as np
import torch

from ...core.bbox import PseudoSampler, bbox2result, bbox2roi, bbox_xyxy_to_cxcywh
from ..builder import HEADS
from .cascade_roi_head import CascadeRoIHead

# mmdet's default named arguments DIIHead does not take (num_fcs, hidden_channels); these are DIIHead's
_DII_HEAD = dict(type='DIIHead', num_classes=80, num_ffn_fcs=2, num_heads=8, num_cls_fcs=1, num_reg_fcs=3,
                 feedforward_channels=2048, in_channels=256, dropout=0.0, ffn_act_cfg=dict(type='ReLU', inplace=True))


@HEADS.register_module()
class SparseRoIHead(CascadeRoIHead):
    """``num_stages`` ``DIIHead`` stages: each refines every proposal box and feature; each stage's predictions
    are matched one-to-one to the ground truths (``HungarianAssigner`` with ``PseudoSampler``) and logged as
    ``stage{i}_loss_cls``, ``stage{i}_pos_acc``, ``stage{i}_loss_bbox``, ``stage{i}_loss_iou``. At test time
    the last stage's ``max_per_img`` best (proposal, class) scores are the detections (no NMS). With
    ``mask_head`` (QueryInst's ``DynamicMaskHead``), each stage also trains masks on its matches
    (``stage{i}_loss_mask``)."""

    required_test_cfg_keys = ('max_per_img', )
    extra_test_cfg_keys = frozenset({'mask_thr_binary'})

    def __init__(self, num_stages: int = 6, stage_loss_weights=(1, 1, 1, 1, 1, 1), proposal_feature_channel: int = 256,
                 bbox_roi_extractor=dict(type='SingleRoIExtractor',  # noqa: B006
                                         roi_layer=dict(type='RoIAlign', output_size=7, sampling_ratio=2),
                                         out_channels=256, featmap_strides=[4, 8, 16, 32]),
                 mask_roi_extractor=None, bbox_head=_DII_HEAD, mask_head=None, train_cfg=None, test_cfg=None,
                 pretrained=None, init_cfg=None):
        self.proposal_feature_channel = proposal_feature_channel
        super().__init__(num_stages, stage_loss_weights, bbox_roi_extractor=bbox_roi_extractor,
                         mask_roi_extractor=mask_roi_extractor, bbox_head=bbox_head, mask_head=mask_head,
                         train_cfg=train_cfg, test_cfg=test_cfg, pretrained=pretrained, init_cfg=init_cfg)
        if train_cfg is not None and not all(isinstance(s, PseudoSampler) for s in self.bbox_sampler):
            raise ValueError('SparseRoIHead needs sampler=dict(type="PseudoSampler") at every stage (the matching is '
                             'one-to-one)')

    def _bbox_forward(self, stage: int, x, rois, object_feats, img_metas) -> dict:
        extractor, head = self.bbox_roi_extractor[stage], self.bbox_head[stage]
        cls_score, bbox_pred, object_feats, attn_feats = head(extractor(x[:extractor.num_inputs], rois), object_feats)
        no_gts = [rois.new_zeros(object_feats.shape[1]) for _ in img_metas]
        proposal_list = head.refine_bboxes(rois, rois.new_zeros(len(rois)), bbox_pred.view(-1, bbox_pred.shape[-1]),
                                           no_gts, img_metas)
        return dict(cls_score=cls_score, decode_bbox_pred=torch.cat(proposal_list), object_feats=object_feats,
                    attn_feats=attn_feats, detach_cls_score_list=[score.detach() for score in cls_score],
                    detach_proposal_list=[boxes.detach() for boxes in proposal_list])

    def _mask_forward(self, stage: int, x, rois, attn_feats) -> dict:
        extractor = self.mask_roi_extractor[stage]
        return dict(mask_pred=self.mask_head[stage](extractor(x[:extractor.num_inputs], rois), attn_feats))

    def _mask_losses(self, stage: int, x, attn_feats, sampling_results, gt_masks) -> dict:
        """``loss_mask`` of the matched proposals (QueryInst)."""
        attn_feats = torch.cat([feats[res.pos_inds] for feats, res in zip(attn_feats, sampling_results)])
        mask_pred = self._mask_forward(stage, x, bbox2roi([res.pos_bboxes for res in sampling_results]),
                                       attn_feats)['mask_pred']
        head = self.mask_head[stage]
        targets = head.get_targets(sampling_results, gt_masks, self.train_cfg[stage])
        return head.loss(mask_pred, targets, torch.cat([res.pos_gt_labels for res in sampling_results]))

    def forward_train(self, x, proposal_boxes, proposal_features, img_metas, gt_bboxes, gt_labels,
                      gt_bboxes_ignore=None, imgs_whwh=None, gt_masks=None) -> dict:
        """Per stage ``stage{i}_*`` losses, weighted by ``stage_loss_weights``."""
        imgs_whwh = imgs_whwh.repeat(1, proposal_boxes.shape[1], 1)
        proposal_list, object_feats = list(proposal_boxes), proposal_features
        losses = {}
        for stage in range(self.num_stages):
            bbox_results = self._bbox_forward(stage, x, bbox2roi(proposal_list), object_feats, img_metas)
            proposal_list = bbox_results['detach_proposal_list']
            sampling_results = []
            for i, meta in enumerate(img_metas):
                assigned = self.bbox_assigner[stage].assign(
                    bbox_xyxy_to_cxcywh(proposal_list[i] / imgs_whwh[i]), bbox_results['detach_cls_score_list'][i],
                    gt_bboxes[i], gt_labels[i], meta)
                sampling_results.append(self.bbox_sampler[stage].sample(assigned, proposal_list[i], gt_bboxes[i]))
            head = self.bbox_head[stage]
            targets = head.get_targets(sampling_results, gt_bboxes, gt_labels, self.train_cfg[stage], True)
            cls_score = bbox_results['cls_score']
            stage_losses = head.loss(cls_score.view(-1, cls_score.shape[-1]),
                                     bbox_results['decode_bbox_pred'].view(-1, 4), *targets, imgs_whwh=imgs_whwh)
            if self.with_mask:
                stage_losses.update(self._mask_losses(stage, x, bbox_results['attn_feats'], sampling_results,
                                                      gt_masks))
            losses.update({f'stage{stage}_{key}': value * self.stage_loss_weights[stage]
                           for key, value in stage_losses.items()})
            object_feats = bbox_results['object_feats']
        return losses

    def simple_test(self, x, proposal_boxes, proposal_features, img_metas, imgs_whwh=None,
                    rescale: bool = False) -> list:
        """Per image, per class ``(n, 5)`` detections: the ``max_per_img`` best scores over all proposals and
        classes of the last stage (sigmoid, or softmax without the background); with a mask head, also their
        per-class masks (the mask of each detection's own proposal and class)."""
        num_classes = self.bbox_head[-1].num_classes
        proposal_list, object_feats = list(proposal_boxes), proposal_features
        if all(proposals.shape[0] == 0 for proposals in proposal_list):
            empty = [[np.zeros((0, 5), dtype=np.float32) for _ in range(num_classes)] for _ in img_metas]
            return [(boxes, [[] for _ in range(num_classes)]) for boxes in empty] if self.with_mask else empty
        for stage in range(self.num_stages):
            bbox_results = self._bbox_forward(stage, x, bbox2roi(proposal_list), object_feats, img_metas)
            object_feats, proposal_list = bbox_results['object_feats'], bbox_results['detach_proposal_list']
        mask_pred = None
        if self.with_mask:
            mask_pred = self._mask_forward(self.num_stages - 1, x, bbox2roi(proposal_list),
                                           bbox_results['attn_feats'])['mask_pred']
            mask_pred = mask_pred.reshape(len(img_metas), -1, *mask_pred.shape[1:])
        cls_score = bbox_results['cls_score']
        cls_score = cls_score.sigmoid() if self.bbox_head[-1].loss_cls.use_sigmoid else cls_score.softmax(-1)[..., :-1]
        return [self._image_results(cls_score[i], proposal_list[i], None if mask_pred is None else mask_pred[i], meta,
                                    rescale) for i, meta in enumerate(img_metas)]

    def _image_results(self, cls_score, proposals, mask_pred, meta: dict, rescale: bool):
        num_classes = self.bbox_head[-1].num_classes
        scores, indices = cls_score.flatten(0, 1).topk(self.test_cfg.max_per_img, sorted=False)
        bboxes, labels = proposals[torch.div(indices, num_classes, rounding_mode='floor')], indices % num_classes
        scale_factor = bboxes.new_tensor(meta['scale_factor'])
        dets = torch.cat([bboxes / scale_factor if rescale else bboxes, scores[:, None]], dim=1)
        bbox_result = bbox2result(dets, labels, num_classes)
        if mask_pred is None:
            return bbox_result
        masks = mask_pred.flatten(0, 1)[indices][:, None].expand(-1, num_classes, -1, -1)
        return bbox_result, self.mask_head[-1].get_seg_masks(masks, bboxes, labels, self.test_cfg, meta['ori_shape'],
                                                             scale_factor, rescale)

    def aug_test(self, features, proposal_list, img_metas, rescale: bool = False):
        raise NotImplementedError('Sparse R-CNN does not support test-time augmentation (as mmdet)')

    def forward_dummy(self, x, proposal_boxes, proposal_features, img_metas):
        """Every stage's outputs, for FLOPs counting."""
        outs, proposal_list, object_feats = (), list(proposal_boxes), proposal_features
        for stage in range(self.num_stages):
            bbox_results = self._bbox_forward(stage, x, bbox2roi(proposal_list), object_feats, img_metas)
            outs = outs + (bbox_results, )
            proposal_list, object_feats = bbox_results['detach_proposal_list'], bbox_results['object_feats']
        return outs
