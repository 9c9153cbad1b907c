"""``CenterNetHead``: objects as points (Zhou et al., 2019): a class heatmap of box centres, and at each centre
the box size and the sub-pixel offset, on one stride-4 level."""
from __future__ import annotations

import torch
import torch.nn as nn

from ...cnn import bias_init_with_prob, normal_init
from ...core.utils import multi_apply
from ...runner import force_fp32
from ..builder import HEADS, build_loss
from ..utils.gaussian_target import (draw_gaussian_targets, gaussian_radius, get_local_maximum, get_topk_from_heatmap,
                                     transpose_and_gather_feat)
from .base_dense_head import BaseDenseHead, nms_per_class


def _single_level(*preds) -> None:
    if any(len(p) != 1 for p in preds):
        raise ValueError(f'CenterNetHead works on one feature level, got {[len(p) for p in preds]}')


@HEADS.register_module()
class CenterNetHead(BaseDenseHead):
    """Three branches (3x3 conv, ReLU, 1x1 conv): ``heatmap_head`` (sigmoid class heatmaps), ``wh_head`` and
    ``offset_head``; trained with a Gaussian focal loss on the heatmap and L1 on size and offset at the centres.

    Args:
        in_channel / feat_channel: Input and hidden channels.
        num_classes: Object classes.
        loss_center_heatmap / loss_wh / loss_offset: Loss configs.
        test_cfg: ``topk`` peaks, ``local_maximum_kernel``, ``max_per_img`` (and ``nms``/``nms_cfg`` for
            merging flipped test images).
    """

    # the test_cfg keys it reads (nms/nms_cfg and max_per_img: when merging flipped test images)
    test_cfg_keys = frozenset({'topk', 'local_maximum_kernel', 'max_per_img', 'nms', 'nms_cfg'})
    required_test_cfg_keys = ('topk', 'local_maximum_kernel', 'max_per_img')

    def __init__(self, in_channel: int, feat_channel: int, num_classes: int,
                 loss_center_heatmap=dict(type='GaussianFocalLoss', loss_weight=1.0),  # noqa: B006
                 loss_wh=dict(type='L1Loss', loss_weight=0.1),  # noqa: B006
                 loss_offset=dict(type='L1Loss', loss_weight=1.0),  # noqa: B006
                 train_cfg=None, test_cfg=None, init_cfg=None):
        super().__init__(init_cfg)
        self.num_classes = num_classes
        self.heatmap_head = self._build_head(in_channel, feat_channel, num_classes)
        self.wh_head = self._build_head(in_channel, feat_channel, 2)
        self.offset_head = self._build_head(in_channel, feat_channel, 2)
        self.loss_center_heatmap = build_loss(loss_center_heatmap)
        self.loss_wh, self.loss_offset = build_loss(loss_wh), build_loss(loss_offset)
        self.train_cfg, self.test_cfg = train_cfg, test_cfg
        self.fp16_enabled = False

    @staticmethod
    def _build_head(in_channel: int, feat_channel: int, out_channel: int) -> nn.Sequential:
        return nn.Sequential(nn.Conv2d(in_channel, feat_channel, kernel_size=3, padding=1), nn.ReLU(inplace=True),
                             nn.Conv2d(feat_channel, out_channel, kernel_size=1))

    def init_weights(self) -> None:
        """As mmdet: heatmap bias for a 0.1 prior, size and offset convs ``N(0, 0.001)``, the rest PyTorch's."""
        self.heatmap_head[-1].bias.data.fill_(bias_init_with_prob(0.1))
        for head in (self.wh_head, self.offset_head):
            for m in head.modules():
                if isinstance(m, nn.Conv2d):
                    normal_init(m, std=0.001)
        self._is_init = True

    def forward(self, feats):
        """Per level: centre heatmaps (probabilities), sizes and offsets."""
        return multi_apply(self.forward_single, feats)

    def forward_single(self, feat):
        return self.heatmap_head(feat).sigmoid(), self.wh_head(feat), self.offset_head(feat)

    @force_fp32(apply_to=('center_heatmap_preds', 'wh_preds', 'offset_preds'))
    def loss(self, center_heatmap_preds, wh_preds, offset_preds, gt_bboxes, gt_labels, img_metas,
             gt_bboxes_ignore=None) -> dict:
        """``loss_center_heatmap`` (over the number of peaks), ``loss_wh`` and ``loss_offset`` (at the centres)."""
        _single_level(center_heatmap_preds, wh_preds, offset_preds)
        targets, avg_factor = self.get_targets(gt_bboxes, gt_labels, center_heatmap_preds[0].shape,
                                               img_metas[0]['pad_shape'])
        weight = targets['wh_offset_target_weight']
        return dict(
            loss_center_heatmap=self.loss_center_heatmap(center_heatmap_preds[0], targets['center_heatmap_target'],
                                                         avg_factor=avg_factor),
            loss_wh=self.loss_wh(wh_preds[0], targets['wh_target'], weight, avg_factor=avg_factor * 2),
            loss_offset=self.loss_offset(offset_preds[0], targets['offset_target'], weight, avg_factor=avg_factor * 2))

    def get_targets(self, gt_bboxes, gt_labels, feat_shape, img_shape) -> tuple:
        """Heatmaps with a Gaussian (CornerNet's radius at IoU 0.3) per gt centre, and size, offset and weight
        maps at the centres (the later gt wins a shared cell); and the number of peaks (at least 1), a tensor
        (no host synchronisation)."""
        img_h, img_w = img_shape[:2]
        batch, _, feat_h, feat_w = feat_shape
        width_ratio, height_ratio = float(feat_w / img_w), float(feat_h / img_h)
        reference = gt_bboxes[-1]
        heatmap = reference.new_zeros([batch, self.num_classes, feat_h, feat_w])
        wh_target, offset_target = reference.new_zeros([batch, 2, feat_h, feat_w]), reference.new_zeros(
            [batch, 2, feat_h, feat_w])
        weight = reference.new_zeros([batch, 2, feat_h, feat_w])
        for b, (boxes, labels) in enumerate(zip(gt_bboxes, gt_labels)):
            if len(boxes) == 0:
                continue
            cx = (boxes[:, 0] + boxes[:, 2]) * width_ratio / 2
            cy = (boxes[:, 1] + boxes[:, 3]) * height_ratio / 2
            cx_int, cy_int = cx.int().long(), cy.int().long()
            box_h, box_w = (boxes[:, 3] - boxes[:, 1]) * height_ratio, (boxes[:, 2] - boxes[:, 0]) * width_ratio
            radii = gaussian_radius((box_h, box_w), min_overlap=0.3).int().clamp(min=0)
            for cls in labels.unique().tolist():
                of_class = labels == cls
                draw_gaussian_targets(heatmap[b, cls], torch.stack([cx_int, cy_int], 1)[of_class], radii[of_class])
            cells = cy_int * feat_w + cx_int
            order = torch.arange(len(cells), device=cells.device)
            last = cells.new_full((feat_h * feat_w, ), -1).scatter_reduce(0, cells, order, 'amax')
            win = last[cells] == order
            ys, xs = cy_int[win], cx_int[win]
            wh_target[b][:, ys, xs] = torch.stack([box_w[win], box_h[win]])
            offset_target[b][:, ys, xs] = torch.stack([(cx - cx_int)[win], (cy - cy_int)[win]])
            weight[b][:, ys, xs] = 1
        avg_factor = heatmap.eq(1).sum().clamp(min=1).to(heatmap.dtype)
        return dict(center_heatmap_target=heatmap, wh_target=wh_target, offset_target=offset_target,
                    wh_offset_target_weight=weight), avg_factor

    @force_fp32(apply_to=('center_heatmap_preds', 'wh_preds', 'offset_preds'))
    def get_bboxes(self, center_heatmap_preds, wh_preds, offset_preds, img_metas, rescale: bool = True,
                   with_nms: bool = False) -> list:
        """Per image ``(det_bboxes (topk, 5), det_labels (topk,))`` from the heatmap peaks."""
        _single_level(center_heatmap_preds, wh_preds, offset_preds)
        return [self._get_bboxes_single(center_heatmap_preds[0][i:i + 1], wh_preds[0][i:i + 1],
                                        offset_preds[0][i:i + 1], meta, rescale=rescale, with_nms=with_nms)
                for i, meta in enumerate(img_metas)]

    def _get_bboxes_single(self, center_heatmap_pred, wh_pred, offset_pred, img_meta, rescale=False,
                           with_nms=True) -> tuple:
        det_bboxes, det_labels = self.decode_heatmap(center_heatmap_pred, wh_pred, offset_pred,
                                                     img_meta.get('batch_input_shape', img_meta['pad_shape'][:2]),
                                                     k=self.test_cfg.topk,
                                                     kernel=self.test_cfg.local_maximum_kernel)
        det_bboxes, det_labels = det_bboxes.view([-1, 5]), det_labels.view(-1)
        # RandomCenterCropPad's test mode pads around the image: (top, bottom, left, right) of it inside
        border = img_meta.get('border', (0, 0, 0, 0))
        det_bboxes[..., :4] -= det_bboxes.new_tensor(border)[..., [2, 0, 2, 0]]
        if rescale:
            det_bboxes[..., :4] /= det_bboxes.new_tensor(img_meta['scale_factor'])
        if with_nms:
            det_bboxes, det_labels = self._bboxes_nms(det_bboxes, det_labels, self.test_cfg)
        return det_bboxes, det_labels

    def decode_heatmap(self, center_heatmap_pred, wh_pred, offset_pred, img_shape, k: int = 100,
                       kernel: int = 3) -> tuple:
        """Boxes ``(N, k, 5)`` (input-image coordinates, score last) and labels ``(N, k)`` of the ``k`` best
        local maxima of the heatmaps."""
        height, width = center_heatmap_pred.shape[2:]
        inp_h, inp_w = img_shape
        heatmap = get_local_maximum(center_heatmap_pred, kernel=kernel)
        scores, index, labels, ys, xs = get_topk_from_heatmap(heatmap, k=k)
        wh = transpose_and_gather_feat(wh_pred, index)
        offset = transpose_and_gather_feat(offset_pred, index)
        xs, ys = xs + offset[..., 0], ys + offset[..., 1]
        bboxes = torch.stack([(xs - wh[..., 0] / 2) * (inp_w / width), (ys - wh[..., 1] / 2) * (inp_h / height),
                              (xs + wh[..., 0] / 2) * (inp_w / width), (ys + wh[..., 1] / 2) * (inp_h / height)],
                             dim=2)
        return torch.cat((bboxes, scores[..., None]), dim=-1), labels

    def _bboxes_nms(self, bboxes, labels, cfg) -> tuple:
        return nms_per_class(bboxes, labels, cfg)
