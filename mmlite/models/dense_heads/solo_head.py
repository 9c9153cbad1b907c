"""SOLO (Wang et al., 2020): segmenting objects by locations. Each FPN level splits the image into an S x S
grid; a cell predicts a class and the mask of the object whose centre falls into it."""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from ...cnn import ConvModule
from ...core import InstanceData, mask_matrix_nms
from ...core.utils import center_of_mass, generate_coordinate, multi_apply
from ...image import imrescale
from ..builder import HEADS, build_loss
from .base_mask_head import BaseMaskHead

_MASK_INIT = [
    dict(type='Normal', layer='Conv2d', std=0.01),
    dict(type='Normal', std=0.01, bias_prob=0.01, override=dict(name='conv_mask_list')),
    dict(type='Normal', std=0.01, bias_prob=0.01, override=dict(name='conv_cls')),
]


def downsample_masks(masks: torch.Tensor, factor: float) -> torch.Tensor:
    """``(n, H, W)`` binary masks made ``factor`` times smaller, as ``uint8``: the values of OpenCV's bilinear
    resize (mmcv's ``imrescale(mask, 1 / factor)``), computed exactly on the masks' device for an integer
    ``factor`` dividing both sides (the padded masks of SOLO's targets), by the image resize otherwise."""
    n, height, width = masks.shape
    out_h, out_w = int(height * (1. / factor) + 0.5), int(width * (1. / factor) + 0.5)
    step = int(round(factor))
    masks = masks.to(torch.uint8)
    if step != factor or out_h * step != height or out_w * step != width:
        return torch.stack([torch.from_numpy(imrescale(m.cpu().numpy(), 1. / factor)) for m in masks]).to(masks.device)
    if step % 2:  # odd factors sample one pixel exactly
        centre = (step - 1) // 2
        return masks[:, centre::step, centre::step].contiguous()
    # even factors: OpenCV samples the two middle rows/columns of each block with weight 1/2 each (the 2x2 block
    # averaged when halving) and rounds halves up: a pixel is set when two of its four samples are
    lo, hi = step // 2 - 1, step // 2
    rows = masks[:, lo::step].int() + masks[:, hi::step].int()
    return (rows[:, :, lo::step] + rows[:, :, hi::step] >= 2).to(torch.uint8)


def point_nms(scores: torch.Tensor) -> torch.Tensor:
    """``scores`` (N, C, S, S) where they are the maximum of their 2x2 neighbourhood (up-left), else 0."""
    local_max = F.max_pool2d(scores, 2, stride=1, padding=1)
    return scores * (local_max[:, :, :-1, :-1] == scores)


def grid_assignments(gt_bboxes, gt_labels, gt_masks, scale_range: tuple, num_grid: int, upsampled_size: tuple,
                     pos_scale: float, downsample: float) -> list:
    """The objects a level of ``num_grid`` cells predicts: per gt whose ``sqrt(area)`` lies in ``scale_range`` and
    whose mask is not empty, in gt order, ``(label, top, down, left, right, mask)``: the inclusive grid rows and
    columns around its mask's centre of mass (at most 3x3 cells, inside its box shrunk by ``pos_scale``) and its
    mask ``downsample`` times smaller."""
    areas = torch.sqrt((gt_bboxes[:, 2] - gt_bboxes[:, 0]) * (gt_bboxes[:, 3] - gt_bboxes[:, 1]))
    hit = ((areas >= scale_range[0]) & (areas <= scale_range[1])).nonzero().flatten()
    if len(hit) == 0:
        return []
    boxes, masks = gt_bboxes[hit], gt_masks[hit]
    valid = (masks.sum(dim=-1).sum(dim=-1) > 0).tolist()
    if not any(valid):
        return []
    half_w = 0.5 * (boxes[:, 2] - boxes[:, 0]) * pos_scale
    half_h = 0.5 * (boxes[:, 3] - boxes[:, 1]) * pos_scale
    centres = [torch.stack(c) for c in zip(*(center_of_mass(m) for m in masks))]
    cell = 1. / num_grid

    def cells(value, size):
        return torch.div(value / size, cell, rounding_mode='trunc').tolist()

    centre_h, centre_w = cells(centres[0], upsampled_size[0]), cells(centres[1], upsampled_size[1])
    tops, downs = cells(centres[0] - half_h, upsampled_size[0]), cells(centres[0] + half_h, upsampled_size[0])
    lefts, rights = cells(centres[1] - half_w, upsampled_size[1]), cells(centres[1] + half_w, upsampled_size[1])
    small = downsample_masks(masks[torch.tensor(valid, device=masks.device)], downsample)
    assignments, kept = [], 0
    for k, label in enumerate(gt_labels[hit]):
        if not valid[k]:
            continue
        coord_h, coord_w = int(centre_h[k]), int(centre_w[k])
        top, down = max(max(0, int(tops[k])), coord_h - 1), min(min(num_grid - 1, int(downs[k])), coord_h + 1)
        left, right = max(coord_w - 1, max(0, int(lefts[k]))), min(min(num_grid - 1, int(rights[k])), coord_w + 1)
        assignments.append((label, top, down, left, right, small[kept]))
        kept += 1
    return assignments


def level_values(values, num_grids, device) -> torch.Tensor:
    """``values[level]`` repeated for each of the level's ``num_grid ** 2`` cells, all levels in order."""
    counts = torch.tensor([g * g for g in num_grids], device=device)
    return torch.tensor(list(values), device=device).repeat_interleave(counts)


@HEADS.register_module()
class SOLOHead(BaseMaskHead):
    """SOLO's mask head: per level, ``num_grid ** 2`` mask channels (with CoordConv inputs) and an S x S class map.

    Args:
        num_classes / in_channels / feat_channels: Classes (no background), input and tower channels.
        stacked_convs: Convs in each tower. Default 4.
        strides: Stride of each level (the masks' resolution is half of it). Default (4, 8, 16, 32, 64).
        scale_ranges: ``sqrt(area)`` range of the objects each level predicts.
        pos_scale: Fraction of an object's half size around its centre whose cells are positive. Default 0.2.
        num_grids: Grid size S of each level. Default (40, 36, 24, 16, 12).
        cls_down_index: Index of the class-tower conv before which features are resized to S x S. Default 0.
        loss_mask / loss_cls: Loss configs (mmdet: DiceLoss, FocalLoss).
        norm_cfg: Tower norm. Default GN with 32 groups.
        train_cfg / test_cfg: ``test_cfg``: ``nms_pre, score_thr, mask_thr, filter_thr, kernel, sigma,
            max_per_img`` (matrix NMS).
    """
    test_cfg_keys = ('nms_pre', 'score_thr', 'mask_thr', 'filter_thr', 'kernel', 'sigma', 'max_per_img')
    required_test_cfg_keys = test_cfg_keys  # mmdet reads every one

    def __init__(self, num_classes: int, in_channels: int, feat_channels: int = 256, stacked_convs: int = 4,
                 strides=(4, 8, 16, 32, 64), scale_ranges=((8, 32), (16, 64), (32, 128), (64, 256), (128, 512)),
                 pos_scale: float = 0.2, num_grids=(40, 36, 24, 16, 12), cls_down_index: int = 0,
                 loss_mask: dict | None = None, loss_cls: dict | None = None,
                 norm_cfg: dict | None = dict(type='GN', num_groups=32, requires_grad=True),  # noqa: B006
                 train_cfg=None, test_cfg=None, init_cfg=_MASK_INIT):
        super().__init__(init_cfg)
        if not len(strides) == len(scale_ranges) == len(num_grids):
            raise ValueError(f'{type(self).__name__}: strides, scale_ranges and num_grids need one entry per level, '
                             f'got {len(strides)}, {len(scale_ranges)}, {len(num_grids)}')
        self.num_classes = self.cls_out_channels = num_classes
        self.in_channels, self.feat_channels, self.stacked_convs = in_channels, feat_channels, stacked_convs
        self.strides, self.scale_ranges, self.num_grids = strides, scale_ranges, num_grids
        self.num_levels = len(strides)
        self.pos_scale, self.cls_down_index, self.norm_cfg = pos_scale, cls_down_index, norm_cfg
        self.loss_cls, self.loss_mask = build_loss(loss_cls), build_loss(loss_mask)
        self.train_cfg, self.test_cfg = train_cfg, test_cfg
        self._init_layers()

    def _tower(self, first_in: int, conv_cfg: dict | None = None, last_conv_cfg: dict | None = None) -> nn.ModuleList:
        """``stacked_convs`` 3x3 conv-norm-ReLU blocks, the first taking ``first_in`` channels."""
        return nn.ModuleList(
            ConvModule(first_in if i == 0 else self.feat_channels, self.feat_channels, 3, stride=1, padding=1,
                       conv_cfg=last_conv_cfg if i == self.stacked_convs - 1 and last_conv_cfg else conv_cfg,
                       norm_cfg=self.norm_cfg) for i in range(self.stacked_convs))

    def _init_layers(self) -> None:
        self.mask_convs = self._tower(self.in_channels + 2)
        self.cls_convs = self._tower(self.in_channels)
        self.conv_mask_list = nn.ModuleList(nn.Conv2d(self.feat_channels, g ** 2, 1) for g in self.num_grids)
        self.conv_cls = nn.Conv2d(self.feat_channels, self.cls_out_channels, 3, padding=1)

    def resize_feats(self, feats) -> list:
        """The first level downsampled to the second's size, the last upsampled to the one before."""
        out = list(feats)
        out[0] = F.interpolate(feats[0], size=feats[1].shape[-2:], mode='bilinear', align_corners=False)
        out[-1] = F.interpolate(feats[-1], size=feats[-2].shape[-2:], mode='bilinear', align_corners=False)
        return out

    def _check_levels(self, feats) -> None:
        if len(feats) != self.num_levels:
            raise ValueError(f'{type(self).__name__} has {self.num_levels} levels (strides {self.strides}) but got '
                             f'{len(feats)} feature maps; match the neck num_outs to the head')

    def _cls_pred(self, feat: torch.Tensor, level: int) -> torch.Tensor:
        """The level's ``S x S`` class logits (scores after point NMS when testing)."""
        for j, layer in enumerate(self.cls_convs):
            if j == self.cls_down_index:
                feat = F.interpolate(feat, size=self.num_grids[level], mode='bilinear', align_corners=False)
            feat = layer(feat)
        cls_pred = self.conv_cls(feat)
        return cls_pred if self.training else point_nms(cls_pred.sigmoid())

    def _test_masks(self, mask_pred: torch.Tensor, feats: list) -> torch.Tensor:
        """When testing, mask probabilities at the first level's (stride 4) size."""
        if self.training:
            return mask_pred
        size = (feats[0].shape[-2] * 2, feats[0].shape[-1] * 2)
        return F.interpolate(mask_pred.sigmoid(), size=size, mode='bilinear', align_corners=False)

    @staticmethod
    def _with_coords(feat: torch.Tensor, channels: slice = slice(0, 2)) -> torch.Tensor:
        """``feat`` with normalised x/y coordinate channels appended (CoordConv)."""
        return torch.cat([feat, generate_coordinate(feat.size(), feat.device)[:, channels].to(feat.dtype)], 1)

    def forward(self, feats) -> tuple:
        """Per level: mask logits ``(N, S^2, 2h, 2w)`` and class logits ``(N, C, S, S)`` (probabilities, the masks
        resized to stride 4 and the classes point-NMSed, when testing)."""
        self._check_levels(feats)
        feats = self.resize_feats(feats)
        mask_preds, cls_preds = [], []
        for level, feat in enumerate(feats):
            mask_feat = self._with_coords(feat)
            for layer in self.mask_convs:
                mask_feat = layer(mask_feat)
            mask_feat = F.interpolate(mask_feat, scale_factor=2, mode='bilinear', align_corners=False)
            mask_preds.append(self._test_masks(self.conv_mask_list[level](mask_feat), feats))
            cls_preds.append(self._cls_pred(feat, level))
        return mask_preds, cls_preds

    def _level_targets(self, gt_bboxes, gt_labels, gt_masks, featmap_sizes: list) -> tuple:
        """Per level of one image: the positive cells' mask targets ``(P, h, w)``, the ``S x S`` labels (background
        ``num_classes``) and the ``S^2`` positive flags; a later object overwrites an earlier one's cells."""
        upsampled = (featmap_sizes[0][0] * 4, featmap_sizes[0][1] * 4)
        targets, labels_list, pos_list = [], [], []
        for scale_range, stride, size, grid in zip(self.scale_ranges, self.strides, featmap_sizes, self.num_grids):
            labels = torch.full((grid, grid), self.num_classes, dtype=torch.long, device=gt_labels.device)
            mask_target = torch.zeros((grid, grid, size[0], size[1]), dtype=torch.uint8, device=gt_labels.device)
            pos = torch.zeros((grid, grid), dtype=torch.bool, device=gt_labels.device)
            for label, top, down, left, right, mask in grid_assignments(
                    gt_bboxes, gt_labels, gt_masks, scale_range, grid, upsampled, self.pos_scale, stride / 2):
                labels[top:down + 1, left:right + 1] = label
                mask_target[top:down + 1, left:right + 1, :mask.shape[0], :mask.shape[1]] = mask
                pos[top:down + 1, left:right + 1] = True
            pos = pos.flatten()
            targets.append(mask_target.flatten(0, 1)[pos])
            labels_list.append(labels)
            pos_list.append(pos)
        return targets, labels_list, pos_list

    def loss(self, mlvl_mask_preds, mlvl_cls_preds, gt_labels, gt_masks, img_metas, gt_bboxes=None,
             **kwargs) -> dict:
        """``loss_mask`` (summed over positive cells, divided by their count) and ``loss_cls``."""
        sizes = [pred.shape[-2:] for pred in mlvl_mask_preds]
        targets, labels, pos_masks = multi_apply(self._level_targets, gt_bboxes, gt_labels, gt_masks,
                                                 featmap_sizes=sizes)
        num_pos = sum(pos.sum() for img_pos in pos_masks for pos in img_pos)
        loss_mask = []
        for level, preds in enumerate(mlvl_mask_preds):
            pred = torch.cat([preds[i, pos_masks[i][level]] for i in range(len(gt_labels))])
            target = torch.cat([img_targets[level] for img_targets in targets])
            loss_mask.append(pred.sum().unsqueeze(0) if len(pred) == 0 else
                             self.loss_mask(pred, target, reduction_override='none'))
        return self._losses(loss_mask, num_pos, labels, mlvl_cls_preds)

    def _losses(self, loss_mask: list, num_pos, labels: list, mlvl_cls_preds) -> dict:
        """The mask loss per positive (their mean when there is none: zero, with gradients) and the class loss
        over all cells, averaged over ``num_pos + 1``."""
        loss_mask = torch.cat(loss_mask)
        loss_mask = loss_mask.sum() / num_pos if num_pos > 0 else loss_mask.mean()
        return dict(loss_mask=loss_mask, loss_cls=self._cls_loss(labels, mlvl_cls_preds, num_pos))

    def _cls_loss(self, labels: list, mlvl_cls_preds, num_pos) -> torch.Tensor:
        """The class loss over every cell of every level (per image ``S x S`` labels), over ``num_pos + 1``."""
        flat_labels = torch.cat([torch.cat([img[level].flatten() for img in labels])
                                 for level in range(self.num_levels)])
        flat_cls = torch.cat([pred.permute(0, 2, 3, 1).reshape(-1, self.cls_out_channels) for pred in mlvl_cls_preds])
        return self.loss_cls(flat_cls, flat_labels, avg_factor=num_pos + 1)

    def _image_scores(self, mlvl_cls_scores, img_id: int) -> torch.Tensor:
        """One image's ``(sum S^2, C)`` class scores over all levels."""
        return torch.cat([scores[img_id].permute(1, 2, 0).reshape(-1, self.cls_out_channels)
                          for scores in mlvl_cls_scores])

    def get_results(self, mlvl_mask_preds, mlvl_cls_scores, img_metas, rescale: bool = True, **kwargs) -> list:
        """One :class:`InstanceData` per image: ``masks`` (at the original image size, or the network input's with
        ``rescale=False``), ``labels``, ``scores``."""
        results = []
        for img_id, img_meta in enumerate(img_metas):
            scores = self._image_scores(mlvl_cls_scores, img_id)
            candidates, labels = self._candidates(scores)
            mask_preds = torch.cat([preds[img_id] for preds in mlvl_mask_preds])[candidates[:, 0]]
            results.append(self._finish(mask_preds, candidates, labels, scores, img_meta, rescale))
        return results

    def _candidates(self, scores: torch.Tensor) -> tuple:
        """``(cell, class)`` pairs scoring above ``test_cfg.score_thr``, and their classes."""
        candidates = (scores > self.test_cfg.score_thr).nonzero()
        return candidates, candidates[:, 1]

    def _finish(self, mask_preds, candidates, labels, scores, img_meta: dict, rescale: bool,
                mask_stride: int = 4) -> InstanceData:
        """Binarise the candidates' mask probabilities, drop masks no larger than their level's stride, rescore by
        mask confidence, matrix-NMS, and resize the survivors to the image."""
        cfg = self.test_cfg
        results = InstanceData(img_meta)
        out_h, out_w = (img_meta['ori_shape'] if rescale else img_meta['img_shape'])[:2]
        strides = level_values(self.strides, self.num_grids, scores.device)[candidates[:, 0]]
        masks = mask_preds > cfg.mask_thr
        areas = masks.sum((1, 2)).float()
        keep = areas > strides
        if not keep.any():
            return _empty_results(results, scores, out_h, out_w)
        masks, mask_preds, areas, labels = masks[keep], mask_preds[keep], areas[keep], labels[keep]
        scores = scores[candidates[:, 0], candidates[:, 1]][keep] * ((mask_preds * masks).sum((1, 2)) / areas)
        scores, labels, _, keep_inds = mask_matrix_nms(
            masks, labels, scores, mask_area=areas, nms_pre=cfg.nms_pre, max_num=cfg.max_per_img, kernel=cfg.kernel,
            sigma=cfg.sigma, filter_thr=cfg.filter_thr)
        height, width = img_meta['img_shape'][:2]
        size = (mask_preds.shape[-2] * mask_stride, mask_preds.shape[-1] * mask_stride)
        mask_preds = F.interpolate(mask_preds[keep_inds].unsqueeze(0), size=size, mode='bilinear',
                                   align_corners=False)[:, :, :height, :width]
        if rescale:
            mask_preds = F.interpolate(mask_preds, size=(out_h, out_w), mode='bilinear', align_corners=False)
        results.masks, results.labels, results.scores = mask_preds.squeeze(0) > cfg.mask_thr, labels, scores
        return results


def _empty_results(results: InstanceData, scores: torch.Tensor, height: int, width: int) -> InstanceData:
    results.scores = scores.new_zeros(0)
    results.labels = scores.new_zeros(0, dtype=torch.long)
    results.masks = scores.new_zeros((0, height, width), dtype=torch.bool)
    return results
