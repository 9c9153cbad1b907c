"""Single-stage instance segmentors (SOLO, SOLOv2): backbone, neck and a mask head, with no box branch."""
from __future__ import annotations

import copy
import warnings

import numpy as np
import torch

from ..builder import DETECTORS, build_backbone, build_head, build_neck
from .base import BaseDetector
from .cfg_schema import check_cfg, check_dense_test_cfg, declared_cfg_keys


def masks_to_boxes(masks: torch.Tensor) -> torch.Tensor:
    """Tight ``(x1, y1, x2, y2)`` boxes (exclusive right/bottom, as mmdet draws them) of ``(n, H, W)`` binary
    masks; an empty mask gets a zero box."""
    if len(masks) == 0:
        return masks.new_zeros((0, 4), dtype=torch.float32)
    cols, rows = masks.any(1), masks.any(2)
    width, height = cols.shape[1], rows.shape[1]
    x1, y1 = cols.int().argmax(1), rows.int().argmax(1)
    x2, y2 = width - cols.flip(1).int().argmax(1), height - rows.flip(1).int().argmax(1)
    boxes = torch.stack([x1, y1, x2, y2], 1).float()
    return boxes * cols.any(1, keepdim=True)


@DETECTORS.register_module()
class SingleStageInstanceSegmentor(BaseDetector):
    """Instance segmentation in one pass: ``mask_head`` (and an optional ``bbox_head``) on the neck's features.

    Results are mmdet's ``(bbox_results, segm_results)`` per image; SOLO predicts no boxes, so each
    detection's box is its mask's tight box (mmdet returned zero boxes).
    """

    def __init__(self, backbone: dict, neck: dict | None = None, bbox_head: dict | None = None,
                 mask_head: dict | None = None, train_cfg=None, test_cfg=None, pretrained=None, init_cfg=None):
        super().__init__(init_cfg)
        backbone = dict(backbone)
        if pretrained:
            warnings.warn('DeprecationWarning: pretrained is deprecated, please use "init_cfg" instead')
            backbone['pretrained'] = pretrained
        if not mask_head:
            raise ValueError(f'{type(self).__name__} needs model.mask_head (e.g. SOLOHead)')
        self.backbone = build_backbone(backbone)
        if neck is not None:
            self.neck = build_neck(neck)
        train_keys = declared_cfg_keys(mask_head, 'train') | declared_cfg_keys(bbox_head, 'train')
        self.train_cfg = check_cfg(train_cfg, train_keys, 'model.train_cfg')
        self.test_cfg = check_dense_test_cfg(test_cfg, mask_head)  # the keys the mask head declares
        self.bbox_head = None if bbox_head is None else build_head(
            dict(bbox_head, train_cfg=copy.deepcopy(self.train_cfg), test_cfg=copy.deepcopy(self.test_cfg)))
        self.mask_head = build_head(dict(mask_head, train_cfg=copy.deepcopy(self.train_cfg),
                                         test_cfg=copy.deepcopy(self.test_cfg)))

    def extract_feat(self, img):
        x = self.backbone(img)
        return self.neck(x) if self.with_neck else x

    def forward_dummy(self, img):
        """Raw mask-head outputs (for FLOPs counting)."""
        return self.mask_head(self.extract_feat(img))

    def forward_train(self, img, img_metas, gt_masks, gt_labels, gt_bboxes=None, gt_bboxes_ignore=None,
                      **kwargs) -> dict:
        """``loss_mask`` and ``loss_cls`` (plus the box head's losses when there is one). Without ``gt_bboxes``
        the masks' tight boxes are used."""
        super().forward_train(img, img_metas)
        if gt_bboxes is None:
            gt_bboxes = [img.new_tensor(masks.get_bboxes()).reshape(-1, 4) for masks in gt_masks]
        gt_masks = [masks.to_tensor(dtype=torch.bool, device=img.device) for masks in gt_masks]
        x = self.extract_feat(img)
        losses, positive_infos = {}, None
        if self.bbox_head is not None:
            losses, positive_infos = self.bbox_head.loss(
                *self.bbox_head(x), gt_bboxes=gt_bboxes, gt_labels=gt_labels, gt_masks=gt_masks, img_metas=img_metas,
                gt_bboxes_ignore=gt_bboxes_ignore, **kwargs)
        mask_losses = self.mask_head.forward_train(x, gt_labels, gt_masks, img_metas, positive_infos=positive_infos,
                                                   gt_bboxes=gt_bboxes, gt_bboxes_ignore=gt_bboxes_ignore, **kwargs)
        clash = set(mask_losses) & set(losses)
        if clash:
            raise KeyError(f'the box and mask heads both return losses named {sorted(clash)}')
        losses.update(mask_losses)
        return losses

    def simple_test(self, img, img_metas, rescale: bool = False) -> list:
        """Per image ``(bbox_results, segm_results)``: per class ``(n, 5)`` arrays and lists of binary masks."""
        feats = self.extract_feat(img)
        instances = None
        if self.bbox_head is not None:
            instances = self.bbox_head.get_results(*self.bbox_head(feats), img_metas=img_metas, cfg=self.test_cfg,
                                                   rescale=rescale)
        results = self.mask_head.simple_test(feats, img_metas, rescale=rescale, instances_list=instances)
        return [self.format_results(r) for r in results]

    def format_results(self, results) -> tuple:
        """``(bbox_results, segm_results)`` of one image's ``InstanceData`` (``scores``, ``labels``, ``masks``)."""
        num_classes = self.mask_head.num_classes
        segm_results = [[] for _ in range(num_classes)]
        if len(results) == 0:
            return [np.zeros((0, 5), dtype=np.float32) for _ in range(num_classes)], segm_results
        boxes = results.bboxes if 'bboxes' in results else masks_to_boxes(results.masks)
        dets = torch.cat([boxes.float(), results.scores[:, None].float()], -1).detach().cpu().numpy()
        labels = results.labels.detach().cpu().numpy()
        for mask, label in zip(results.masks.detach().cpu().numpy(), labels):
            segm_results[label].append(mask)
        return [dets[labels == i] for i in range(num_classes)], segm_results

    def aug_test(self, imgs, img_metas, rescale: bool = False):
        raise NotImplementedError(f'{type(self).__name__} has no test-time augmentation (as mmdet 2.x); use one '
                                  'scale and flip=False in the test pipeline')


@DETECTORS.register_module()
class SOLO(SingleStageInstanceSegmentor):
    """SOLO (Wang et al., 2020): segmenting objects by locations."""


@DETECTORS.register_module()
class SOLOv2(SingleStageInstanceSegmentor):
    """SOLOv2 (Wang et al., 2020): dynamic and fast instance segmentation."""
