"""``MaskIoUHead``: Mask Scoring R-CNN's head regressing the IoU of each predicted mask with its object."""
from __future__ import annotations

import numpy as np
import torch
import torch.nn as nn
from torch.nn.modules.utils import _pair

from ....core.mask import BitmapMasks
from ....runner import BaseModule, force_fp32
from ...builder import HEADS, build_loss


def _areas_in_boxes(masks: np.ndarray, boxes: np.ndarray, inds: np.ndarray) -> np.ndarray:
    """Pixels of ``masks[inds[i]]`` inside integer box ``boxes[i]``, with ``BitmapMasks.crop``'s clipping (at
    least one row and column), from one summed-area table per referenced mask."""
    height, width = masks.shape[1:]
    x1, x2 = np.clip(boxes[:, 0], 0, width), np.clip(boxes[:, 2], 0, width)
    y1, y2 = np.clip(boxes[:, 1], 0, height), np.clip(boxes[:, 3], 0, height)
    x2 = np.minimum(x1 + np.maximum(x2 - x1, 1), width)
    y2 = np.minimum(y1 + np.maximum(y2 - y1, 1), height)
    areas = np.zeros(len(boxes), dtype=np.float64)
    for ind in np.unique(inds):
        table = np.zeros((height + 1, width + 1), dtype=np.int64)
        table[1:, 1:] = masks[ind].astype(np.int64).cumsum(0).cumsum(1)
        sel = inds == ind
        areas[sel] = (table[y2[sel], x2[sel]] - table[y1[sel], x2[sel]] - table[y2[sel], x1[sel]]
                      + table[y1[sel], x1[sel]])
    return areas


@HEADS.register_module()
class MaskIoUHead(BaseModule):
    """Convs over the RoI features concatenated with the max-pooled mask probability (the last conv strided),
    then fully connected layers to one IoU per class (``fc_mask_iou``); trained with ``loss_iou`` (MSE) on
    the positives whose target IoU is above 0."""

    def __init__(self, num_convs: int = 4, num_fcs: int = 2, roi_feat_size=14, in_channels: int = 256,
                 conv_out_channels: int = 256, fc_out_channels: int = 1024, num_classes: int = 80,
                 loss_iou: dict = dict(type='MSELoss', loss_weight=0.5),
                 init_cfg=[dict(type='Kaiming', override=dict(name='convs')),  # noqa: B006
                           dict(type='Caffe2Xavier', override=dict(name='fcs')),
                           dict(type='Normal', std=0.01, override=dict(name='fc_mask_iou'))]):
        super().__init__(init_cfg)
        self.in_channels, self.conv_out_channels = in_channels, conv_out_channels
        self.fc_out_channels, self.num_classes = fc_out_channels, num_classes
        self.fp16_enabled = False
        self.convs = nn.ModuleList(
            nn.Conv2d(in_channels + 1 if i == 0 else conv_out_channels, conv_out_channels, 3,
                      stride=2 if i == num_convs - 1 else 1, padding=1) for i in range(num_convs))
        feat_h, feat_w = _pair(roi_feat_size)
        pooled = conv_out_channels * (feat_h // 2) * (feat_w // 2)
        self.fcs = nn.ModuleList(
            nn.Linear(pooled if i == 0 else fc_out_channels, fc_out_channels) for i in range(num_fcs))
        self.fc_mask_iou = nn.Linear(fc_out_channels, num_classes)
        self.relu = nn.ReLU()
        self.max_pool = nn.MaxPool2d(2, 2)
        self.loss_iou = build_loss(loss_iou)

    def forward(self, mask_feat: torch.Tensor, mask_pred: torch.Tensor) -> torch.Tensor:
        """Per RoI and class, the predicted mask IoU; ``mask_pred`` are the logits of the RoI's class."""
        x = torch.cat((mask_feat, self.max_pool(mask_pred.sigmoid().unsqueeze(1))), 1)
        for conv in self.convs:
            x = self.relu(conv(x))
        x = x.flatten(1)
        for fc in self.fcs:
            x = self.relu(fc(x))
        return self.fc_mask_iou(x)

    @force_fp32(apply_to=('mask_iou_pred', ))
    def loss(self, mask_iou_pred: torch.Tensor, mask_iou_targets: torch.Tensor) -> dict:
        positive = mask_iou_targets > 0  # False for NaN targets (empty prediction and target)
        # weights instead of mmdet's boolean indexing: the same mean over positives without a host sync
        weights = positive.to(mask_iou_pred.dtype)
        targets = torch.where(positive, mask_iou_targets, torch.zeros_like(mask_iou_targets))
        loss = self.loss_iou(mask_iou_pred, targets, weight=weights, avg_factor=weights.sum().clamp(min=1))
        return dict(loss_mask_iou=loss)

    @force_fp32(apply_to=('mask_pred', ))
    def get_targets(self, sampling_results, gt_masks, mask_pred, mask_targets, rcnn_train_cfg) -> torch.Tensor:
        """IoU of each positive's binarised predicted mask with its whole object: the overlap is measured inside
        the RoI, the object's area is its area inside the RoI divided by the fraction of the object the RoI
        covers."""
        ratios = torch.cat([self._area_ratios(res.pos_bboxes, res.pos_assigned_gt_inds, masks)
                            for res, masks in zip(sampling_results, gt_masks)])
        if ratios.shape[0] != mask_targets.shape[0]:
            raise ValueError(f'{ratios.shape[0]} positives but {mask_targets.shape[0]} mask targets')
        binary = (mask_pred > rcnn_train_cfg.mask_thr_binary).float()
        pred_areas = binary.sum((-1, -2))
        overlaps = (binary * mask_targets).sum((-1, -2))
        full_areas = mask_targets.sum((-1, -2)) / (ratios + 1e-7)
        return overlaps / (pred_areas + full_areas - overlaps)

    @staticmethod
    def _area_ratios(proposals: torch.Tensor, assigned: torch.Tensor, gt_masks) -> torch.Tensor:
        """Per positive, the fraction of its object's mask inside the proposal (integer box, as mmdet)."""
        if proposals.shape[0] == 0:
            return proposals.new_zeros((0, ))
        boxes = proposals.detach().cpu().numpy().astype(np.int32)
        inds = assigned.cpu().numpy()
        if isinstance(gt_masks, BitmapMasks):
            inside = _areas_in_boxes(gt_masks.masks, boxes, inds)
        else:
            inside = np.array([gt_masks[int(i)].crop(box).areas[0] for box, i in zip(boxes, inds)], np.float64)
        ratios = inside / (gt_masks.areas[inds] + 1e-7)
        return torch.from_numpy(ratios).float().to(proposals.device)

    @force_fp32(apply_to=('mask_iou_pred', ))
    def get_mask_scores(self, mask_iou_pred: torch.Tensor, det_bboxes: torch.Tensor, det_labels: torch.Tensor) -> list:
        """Per class, the mask scores of its detections: predicted mask IoU times the box score."""
        inds = torch.arange(det_labels.shape[0], device=det_labels.device)
        scores = (mask_iou_pred[inds, det_labels] * det_bboxes[inds, -1]).cpu().numpy()
        labels = det_labels.cpu().numpy()
        return [scores[labels == i] for i in range(self.num_classes)]
