"""YOLACT's mask branches: ``YOLACTProtonet`` (prototype masks combined by each detection's coefficients and
cropped to its box) and ``YOLACTSegmHead`` (an auxiliary semantic segmentation loss)."""
from __future__ import annotations

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from ...runner import BaseModule, force_fp32
from ..builder import HEADS, build_loss


def _downsample_masks(masks: torch.Tensor, size) -> torch.Tensor:
    """Binary ``(n, H, W)`` masks bilinearly resized to ``size`` and thresholded at 0.5."""
    return F.interpolate(masks.unsqueeze(0), size, mode='bilinear', align_corners=False).squeeze(0).gt(0.5).float()


@HEADS.register_module()
class YOLACTSegmHead(BaseModule):
    """A 1x1 conv over the finest level predicting a per-class binary map, trained with ``loss_segm`` (sigmoid
    cross-entropy) against the union of each class's object masks; used in training only.

    As mmdet 2.x, the objects of class ``c`` are written to channel ``c - 1`` (class 0 to the last channel): a
    fixed rotation of the channels, harmless because the maps are never read at test time, kept so that
    losses and checkpoints equal mmdet's.
    """

    def __init__(self, num_classes: int, in_channels: int = 256,
                 loss_segm=dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0),  # noqa: B006
                 init_cfg=dict(type='Xavier', distribution='uniform', override=dict(name='segm_conv'))):  # noqa
        super().__init__(init_cfg)
        self.in_channels, self.num_classes = in_channels, num_classes
        self.loss_segm = build_loss(loss_segm)
        self.segm_conv = nn.Conv2d(in_channels, num_classes, kernel_size=1)
        self.fp16_enabled = False

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.segm_conv(x)

    @force_fp32(apply_to=('segm_pred', ))
    def loss(self, segm_pred: torch.Tensor, gt_masks: list, gt_labels: list) -> dict:
        """Per image ``loss_segm``, averaged over the batch's pixels."""
        num_imgs, _, mask_h, mask_w = segm_pred.size()
        losses = []
        for pred, masks, labels in zip(segm_pred, gt_masks, gt_labels):
            targets = self.get_targets(pred, masks.float(), labels)
            if targets is None:
                losses.append(self.loss_segm(pred, torch.zeros_like(pred), torch.zeros_like(pred)))
            else:
                losses.append(self.loss_segm(pred, targets, avg_factor=num_imgs * mask_h * mask_w))
        return dict(loss_segm=losses)

    def get_targets(self, segm_pred: torch.Tensor, gt_masks: torch.Tensor, gt_labels: torch.Tensor):
        """The per-class union of the downsampled object masks (None without objects)."""
        if gt_masks.size(0) == 0:
            return None
        with torch.no_grad():
            masks = _downsample_masks(gt_masks, segm_pred.shape[-2:])
            targets = torch.zeros_like(segm_pred)
            for mask, label in zip(masks, gt_labels):
                targets[label - 1] = torch.max(targets[label - 1], mask)
            return targets

    def simple_test(self, feats, img_metas, rescale: bool = False):
        raise NotImplementedError('YOLACTSegmHead is used in training only')


class InterpolateModule(BaseModule):
    """``F.interpolate`` with fixed arguments, as a module."""

    def __init__(self, *args, init_cfg=None, **kwargs):
        super().__init__(init_cfg)
        self.args, self.kwargs = args, kwargs

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.interpolate(x, *self.args, **self.kwargs)


def crop_masks(masks: torch.Tensor, boxes: torch.Tensor, padding: int = 1) -> torch.Tensor:
    """``(H, W, n)`` masks zeroed outside their normalised ``(x1, y1, x2, y2)`` boxes, grown by ``padding``
    pixels."""
    height, width, num = masks.size()
    x1, x2 = _pixel_span(boxes[:, 0], boxes[:, 2], width, padding)
    y1, y2 = _pixel_span(boxes[:, 1], boxes[:, 3], height, padding)
    cols = torch.arange(width, device=masks.device, dtype=x1.dtype).view(1, -1, 1).expand(height, width, num)
    rows = torch.arange(height, device=masks.device, dtype=x1.dtype).view(-1, 1, 1).expand(height, width, num)
    inside = (cols >= x1.view(1, 1, -1)) & (cols < x2.view(1, 1, -1)) & (rows >= y1.view(1, 1, -1)) & \
        (rows < y2.view(1, 1, -1))
    return masks * inside.float()


def _pixel_span(low: torch.Tensor, high: torch.Tensor, size: int, padding: int) -> tuple:
    low, high = low * size, high * size
    low = torch.min(low, high)
    high = torch.max(low, high)  # (as mmdet: of the new low, so an inverted box keeps its high side)
    return torch.clamp(low - padding, min=0), torch.clamp(high + padding, max=size)


@HEADS.register_module()
class YOLACTProtonet(BaseModule):
    """Prototype masks from the finest level (convs; ``None`` channels with kernel ``-k`` upsample ``k``x), combined
    per detection (or, in training, per positive anchor) by its coefficients, sigmoid, cropped to its box.

    Args:
        num_classes / in_channels / num_protos: Sizes.
        proto_channels / proto_kernel_sizes: The protonet's layers (ReLU after each).
        include_last_relu: Keep the final ReLU.
        loss_mask_weight: Weight of the box-area-normalised BCE. max_masks_to_train: Positives per image.
    """

    def __init__(self, num_classes: int, in_channels: int = 256, proto_channels=(256, 256, 256, None, 256, 32),
                 proto_kernel_sizes=(3, 3, 3, -2, 3, 1), include_last_relu: bool = True, num_protos: int = 32,
                 loss_mask_weight: float = 1.0, max_masks_to_train: int = 100,
                 init_cfg=dict(type='Xavier', distribution='uniform', override=dict(name='protonet'))):  # noqa
        super().__init__(init_cfg)
        self.in_channels, self.proto_channels, self.proto_kernel_sizes = in_channels, proto_channels, \
            proto_kernel_sizes
        self.include_last_relu = include_last_relu
        self.protonet = self._init_layers()
        self.loss_mask_weight, self.num_protos, self.num_classes = loss_mask_weight, num_protos, num_classes
        self.max_masks_to_train, self.fp16_enabled = max_masks_to_train, False

    def _init_layers(self) -> nn.Sequential:
        layers, in_channels = [], self.in_channels
        for channels, kernel in zip(self.proto_channels, self.proto_kernel_sizes):
            if kernel > 0:
                layers.append(nn.Conv2d(in_channels, channels, kernel, padding=kernel // 2))
            elif channels is None:
                layers.append(InterpolateModule(scale_factor=-kernel, mode='bilinear', align_corners=False))
            else:
                layers.append(nn.ConvTranspose2d(in_channels, channels, -kernel, padding=kernel // 2))
            layers.append(nn.ReLU(inplace=True))
            in_channels = in_channels if channels is None else channels
        return nn.Sequential(*(layers if self.include_last_relu else layers[:-1]))

    def forward_dummy(self, x: torch.Tensor) -> torch.Tensor:
        return self.protonet(x)

    def forward(self, x, coeff_pred, bboxes, img_meta, sampling_results=None) -> list:
        """Per image ``(n, H, W)`` mask probabilities: in training ``coeff_pred`` is the head's per-level maps and
        the masks are those of the positive anchors, cropped to their gts; at test time per-image coefficients
        of the detections ``bboxes``."""
        prototypes = self.protonet(x).permute(0, 2, 3, 1).contiguous()
        training = coeff_pred[0].dim() == 4
        if training:
            coeff_pred = torch.cat([c.permute(0, 2, 3, 1).reshape(x.size(0), -1, self.num_protos)
                                    for c in coeff_pred], dim=1)
        masks = []
        for idx, meta in enumerate(img_meta):
            coeffs, boxes = coeff_pred[idx], bboxes[idx]
            if training:
                result = sampling_results[idx]
                boxes, coeffs = boxes[result.pos_assigned_gt_inds], coeffs[result.pos_inds]
            height, width = meta['img_shape'][:2]
            boxes = boxes / boxes.new_tensor([width, height, width, height])
            mask = crop_masks(torch.sigmoid(prototypes[idx] @ coeffs.t()), boxes)
            masks.append(mask.permute(2, 0, 1).contiguous())
        return masks

    @force_fp32(apply_to=('mask_pred', ))
    def loss(self, mask_pred, gt_masks, gt_bboxes, img_meta, sampling_results) -> dict:
        """``loss_mask`` per image: BCE of each positive's mask, over its gt box's relative area, summed; all
        divided by the batch's positives (at most ``max_masks_to_train`` per image, drawn at random)."""
        losses, total_pos = [], 0
        for pred, masks, boxes, meta, result in zip(mask_pred, gt_masks, gt_bboxes, img_meta, sampling_results):
            gt_inds = result.pos_assigned_gt_inds
            if gt_inds.size(0) > self.max_masks_to_train:
                select = torch.randperm(gt_inds.size(0))[:self.max_masks_to_train]
                pred, gt_inds = pred[select], gt_inds[select]
            total_pos += gt_inds.size(0)
            targets = self.get_targets(pred, masks.float(), gt_inds)
            if gt_inds.size(0) == 0:
                losses.append(pred.sum() * 0.)
            elif targets is None:
                losses.append(F.binary_cross_entropy(pred, torch.zeros_like(pred), torch.zeros_like(pred)))
            else:
                loss = F.binary_cross_entropy(torch.clamp(pred, 0, 1), targets, reduction='none') * \
                    self.loss_mask_weight
                height, width = meta['img_shape'][:2]
                boxes = boxes[gt_inds]
                rel_w, rel_h = (boxes[:, 2] - boxes[:, 0]) / width, (boxes[:, 3] - boxes[:, 1]) / height
                losses.append(torch.sum(loss.mean(dim=(1, 2)) / rel_w / rel_h))
        return dict(loss_mask=[loss / max(total_pos, 1) for loss in losses])

    def get_targets(self, mask_pred, gt_masks, pos_assigned_gt_inds):
        """The gt masks of the positives at the prototypes' size (None without objects)."""
        if gt_masks.size(0) == 0:
            return None
        return _downsample_masks(gt_masks, mask_pred.shape[-2:])[pos_assigned_gt_inds]

    def get_seg_masks(self, mask_pred, label_pred, img_meta, rescale: bool) -> list:
        """Per class the binary masks at the original (``rescale``) or input size."""
        ori_shape, scale_factor = img_meta['ori_shape'], img_meta['scale_factor']
        if rescale:
            img_h, img_w = ori_shape[:2]
        else:
            img_h = int(np.round(ori_shape[0] * scale_factor[1]))
            img_w = int(np.round(ori_shape[1] * scale_factor[0]))
        cls_segms = [[] for _ in range(self.num_classes)]
        if mask_pred.size(0) == 0:
            return cls_segms
        masks = F.interpolate(mask_pred.unsqueeze(0), (img_h, img_w), mode='bilinear', align_corners=False)
        for mask, label in zip(masks.squeeze(0).gt(0.5).cpu().numpy().astype(np.uint8), label_pred):
            cls_segms[label].append(mask)
        return cls_segms

    def simple_test(self, feats, det_bboxes, det_labels, det_coeffs, img_metas, rescale: bool = False) -> list:
        """Per image, per class binary masks of the detections."""
        if all(boxes.shape[0] == 0 for boxes in det_bboxes):
            return [[[] for _ in range(self.num_classes)] for _ in img_metas]
        # the detections back at the input scale (they are rescaled to the original image when ``rescale``)
        boxes = [dets[:, :4] * dets.new_tensor(np.asarray(meta['scale_factor'], dtype=np.float32)) if rescale
                 else dets[:, :4] for dets, meta in zip(det_bboxes, img_metas)]
        mask_preds = self.forward(feats[0], det_coeffs, boxes, img_metas)
        return [self.get_seg_masks(masks, labels, meta, rescale) if len(dets) else [[] for _ in range(self.num_classes)]
                for masks, labels, dets, meta in zip(mask_preds, det_labels, det_bboxes, img_metas)]
