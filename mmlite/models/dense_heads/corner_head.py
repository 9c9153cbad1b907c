"""``CornerHead``: CornerNet (Law & Deng, 2018): objects as pairs of top-left and bottom-right corners found
on corner-pooled heatmaps, grouped by embeddings."""
from __future__ import annotations

from math import ceil, log

import torch
import torch.nn as nn

from ...cnn import ConvModule, bias_init_with_prob
from ...core.utils import multi_apply
from ...ops import CornerPool
from ...runner import BaseModule, force_fp32
from ..builder import HEADS, build_loss
from ..utils.gaussian_target import (gather_feat, gaussian_radius, gen_gaussian_target, get_local_maximum,
                                     get_topk_from_heatmap, transpose_and_gather_feat)
from .base_dense_head import BaseDenseHead, nms_per_class


class BiCornerPool(BaseModule):
    """Two directional corner pools (each after a 3x3 ConvModule), summed, a 3x3 conv, plus a 1x1 skip; ReLU;
    a last 3x3 ConvModule."""

    def __init__(self, in_channels: int, directions, feat_channels: int = 128, out_channels: int = 128,
                 norm_cfg=dict(type='BN', requires_grad=True), init_cfg=None):  # noqa: B006
        super().__init__(init_cfg)
        self.direction1_conv = ConvModule(in_channels, feat_channels, 3, padding=1, norm_cfg=norm_cfg)
        self.direction2_conv = ConvModule(in_channels, feat_channels, 3, padding=1, norm_cfg=norm_cfg)
        self.aftpool_conv = ConvModule(feat_channels, out_channels, 3, padding=1, norm_cfg=norm_cfg, act_cfg=None)
        self.conv1 = ConvModule(in_channels, out_channels, 1, norm_cfg=norm_cfg, act_cfg=None)
        self.conv2 = ConvModule(in_channels, out_channels, 3, padding=1, norm_cfg=norm_cfg)
        self.direction1_pool, self.direction2_pool = CornerPool(directions[0]), CornerPool(directions[1])
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pooled = self.direction1_pool(self.direction1_conv(x)) + self.direction2_pool(self.direction2_conv(x))
        return self.conv2(self.relu(self.aftpool_conv(pooled) + self.conv1(x)))


def _corner_targets(box: torch.Tensor, label, ratios: torch.Tensor, width: int, height: int) -> dict:
    """A box's corner cells, sub-cell offsets and Gaussian radius on a ``height x width`` map, and its scaled
    centre's shifts from the corners (computed in the boxes' float32, as mmdet)."""
    scaled_box = box * ratios
    center = (box[:2] + box[2:]) / 2.0 * ratios[:2]
    left, top, right, bottom = scaled_box.tolist()
    box_w, box_h = (scaled_box[2] - scaled_box[0]).item(), (scaled_box[3] - scaled_box[1]).item()
    cells = dict(left=int(min(left, width - 1)), right=int(min(right, width - 1)), top=int(min(top, height - 1)),
                 bottom=int(min(bottom, height - 1)))
    radius = gaussian_radius((ceil(box_h), ceil(box_w)), min_overlap=0.3)
    centripetal = [(center - scaled_box[:2]).tolist(), (scaled_box[2:] - center).tolist()]
    offsets = ([left - cells['left'], top - cells['top']], [right - cells['right'], bottom - cells['bottom']])
    return dict(offsets=offsets,
                cells=cells, radius=max(0, int(radius)), label=int(label),
                guiding=((center[0] - cells['left']).item(), (center[1] - cells['top']).item(),
                         (cells['right'] - center[0]).item(), (cells['bottom'] - center[1]).item()),
                # a degenerate box gives a large negative shift, not -inf
                centripetal=[[log(max(v, 1e-6)) for v in pair] for pair in centripetal])


def _draw_corners(maps: dict, b: int, c: dict) -> None:
    """Write one object's Gaussians, offsets (and the shift maps present in ``maps``) into image ``b``'s maps."""
    cell = c['cells']
    tl, br = (cell['top'], cell['left']), (cell['bottom'], cell['right'])
    for corner, (y, x), side in (('topleft', tl, 0), ('bottomright', br, 1)):
        heatmap = maps[f'{corner}_heatmap']
        heatmap[b, c['label']] = gen_gaussian_target(heatmap[b, c['label']], [x, y], c['radius'])
        maps[f'{corner}_offset'][b, :, y, x] = heatmap.new_tensor(c['offsets'][side])
        if f'{corner}_guiding_shift' in maps:
            maps[f'{corner}_guiding_shift'][b, :, y, x] = heatmap.new_tensor(c['guiding'][2 * side:2 * side + 2])
        if f'{corner}_centripetal_shift' in maps:
            maps[f'{corner}_centripetal_shift'][b, :, y, x] = heatmap.new_tensor(c['centripetal'][side])


@HEADS.register_module()
class CornerHead(BaseDenseHead):
    """Per feature level (the backbone's stacks), top-left and bottom-right ``BiCornerPool`` branches, each with
    heatmap, embedding and offset predictors; losses on every level (``det_loss``, ``pull_loss``,
    ``push_loss``, ``off_loss``), detections from the last.

    Args:
        num_classes / in_channels: Classes and input channels.
        num_feat_levels: Input levels (HourglassNet's ``num_stacks``). corner_emb_channels: Embedding width
            (0: no embeddings).
        loss_heatmap / loss_embedding / loss_offset: Loss configs.
        test_cfg: ``corner_topk``, ``local_maximum_kernel``, ``distance_threshold``, ``max_per_img``, ``nms``
            (``nms_cfg``), ``score_thr`` (kept detections score above it).
    """

    test_cfg_keys = frozenset({'corner_topk', 'local_maximum_kernel', 'distance_threshold', 'score_thr',
                               'max_per_img', 'nms', 'nms_cfg'})
    required_test_cfg_keys = ('corner_topk', 'local_maximum_kernel', 'distance_threshold', 'max_per_img')
    required_train_cfg_keys = ()

    def __init__(self, num_classes: int, in_channels: int, num_feat_levels: int = 2, corner_emb_channels: int = 1,
                 train_cfg=None, test_cfg=None,
                 loss_heatmap=dict(type='GaussianFocalLoss', alpha=2.0, gamma=4.0, loss_weight=1),  # noqa: B006
                 loss_embedding=dict(type='AssociativeEmbeddingLoss', pull_weight=0.25,  # noqa: B006
                                     push_weight=0.25),
                 loss_offset=dict(type='SmoothL1Loss', beta=1.0, loss_weight=1), init_cfg=None):  # noqa: B006
        if init_cfg is not None:
            raise ValueError('CornerHead initialises its own weights; init_cfg is not allowed')
        super().__init__(init_cfg)
        self.num_classes, self.in_channels, self.num_feat_levels = num_classes, in_channels, num_feat_levels
        self.corner_emb_channels = corner_emb_channels
        self.with_corner_emb = corner_emb_channels > 0
        self.corner_offset_channels = 2
        self.loss_heatmap = build_loss(loss_heatmap) if loss_heatmap is not None else None
        self.loss_embedding = build_loss(loss_embedding) if loss_embedding is not None else None
        self.loss_offset = build_loss(loss_offset) if loss_offset is not None else None
        self.train_cfg, self.test_cfg = train_cfg, test_cfg
        self.fp16_enabled = False
        self._init_layers()

    def _make_layers(self, out_channels: int, in_channels: int = 256, feat_channels: int = 256) -> nn.Sequential:
        return nn.Sequential(ConvModule(in_channels, feat_channels, 3, padding=1),
                             ConvModule(feat_channels, out_channels, 1, norm_cfg=None, act_cfg=None))

    def _init_layers(self) -> None:
        def per_level(make):
            return nn.ModuleList(make() for _ in range(self.num_feat_levels))
        channels = self.in_channels
        self.tl_pool = per_level(lambda: BiCornerPool(channels, ['top', 'left'], out_channels=channels))
        self.br_pool = per_level(lambda: BiCornerPool(channels, ['bottom', 'right'], out_channels=channels))
        for name, out in (('heat', self.num_classes), ('off', self.corner_offset_channels)):
            setattr(self, f'tl_{name}', per_level(lambda: self._make_layers(out, in_channels=channels)))
            setattr(self, f'br_{name}', per_level(lambda: self._make_layers(out, in_channels=channels)))
        if self.with_corner_emb:
            self.tl_emb = per_level(lambda: self._make_layers(self.corner_emb_channels, in_channels=channels))
            self.br_emb = per_level(lambda: self._make_layers(self.corner_emb_channels, in_channels=channels))

    def init_weights(self) -> None:
        super().init_weights()
        bias_init = bias_init_with_prob(0.1)
        names = ('tl_heat', 'br_heat', 'tl_off', 'br_off') + (('tl_emb', 'br_emb') if self.with_corner_emb else ())
        for name in names:
            for layers in getattr(self, name):
                layers[-1].conv.reset_parameters()
                if name.endswith('heat'):
                    layers[-1].conv.bias.data.fill_(bias_init)

    def forward(self, feats) -> tuple:
        """Per output (``tl_heat``, ``br_heat``, ``tl_emb``, ``br_emb``, ``tl_off``, ``br_off``), one map per
        level."""
        return multi_apply(self.forward_single, feats, list(range(self.num_feat_levels)))

    def forward_single(self, x, lvl_ind: int, return_pool: bool = False) -> list:
        tl_pool, br_pool = self.tl_pool[lvl_ind](x), self.br_pool[lvl_ind](x)
        tl_emb = self.tl_emb[lvl_ind](tl_pool) if self.with_corner_emb else None
        br_emb = self.br_emb[lvl_ind](br_pool) if self.with_corner_emb else None
        results = [self.tl_heat[lvl_ind](tl_pool), self.br_heat[lvl_ind](br_pool), tl_emb, br_emb,
                   self.tl_off[lvl_ind](tl_pool), self.br_off[lvl_ind](br_pool)]
        return results + [tl_pool, br_pool] if return_pool else results

    def get_targets(self, gt_bboxes, gt_labels, feat_shape, img_shape, with_corner_emb: bool = False,
                    with_guiding_shift: bool = False, with_centripetal_shift: bool = False) -> dict:
        """Corner heatmaps (Gaussians at the corner cells), sub-cell offsets and, as asked, each object's
        ``[[tl_y, tl_x], [br_y, br_x]]`` cells (``corner_embedding``), the corner-to-centre guiding shifts and the
        log centripetal shifts (CentripetalNet)."""
        batch_size, _, height, width = feat_shape
        width_ratio, height_ratio = float(width / img_shape[1]), float(height / img_shape[0])
        ratios = gt_bboxes[-1].new_tensor([width_ratio, height_ratio, width_ratio, height_ratio])
        names = ['heatmap', 'offset'] + ['guiding_shift'] * with_guiding_shift + [
            'centripetal_shift'] * with_centripetal_shift
        maps = {f'{corner}_{name}': gt_bboxes[-1].new_zeros(
                    [batch_size, self.num_classes if name == 'heatmap' else 2, height, width])
                for name in names for corner in ('topleft', 'bottomright')}
        match = []
        for b in range(batch_size):
            corners = [_corner_targets(box, label, ratios, width, height)
                       for box, label in zip(gt_bboxes[b], gt_labels[b])]
            for c in corners:
                _draw_corners(maps, b, c)
            match.append([[[c['cells']['top'], c['cells']['left']], [c['cells']['bottom'], c['cells']['right']]]
                          for c in corners])
        if with_corner_emb:
            maps['corner_embedding'] = match
        return maps

    @force_fp32()
    def loss(self, tl_heats, br_heats, tl_embs, br_embs, tl_offs, br_offs, gt_bboxes, gt_labels, img_metas,
             gt_bboxes_ignore=None) -> dict:
        """Per level ``det_loss`` and ``off_loss`` (and ``pull_loss``/``push_loss`` with embeddings)."""
        targets = self.get_targets(gt_bboxes, gt_labels, tl_heats[-1].shape, img_metas[0]['pad_shape'],
                                   with_corner_emb=self.with_corner_emb)
        det, pull, push, off = multi_apply(self.loss_single, tl_heats, br_heats, tl_embs, br_embs, tl_offs, br_offs,
                                           [targets] * self.num_feat_levels)
        losses = dict(det_loss=det, off_loss=off)
        if self.with_corner_emb:
            losses.update(pull_loss=pull, push_loss=push)
        return losses

    def loss_single(self, tl_hmp, br_hmp, tl_emb, br_emb, tl_off, br_off, targets) -> tuple:
        gt_tl_hmp, gt_br_hmp = targets['topleft_heatmap'], targets['bottomright_heatmap']
        det_loss = (self.loss_heatmap(tl_hmp.sigmoid(), gt_tl_hmp, avg_factor=max(1, gt_tl_hmp.eq(1).sum()))
                    + self.loss_heatmap(br_hmp.sigmoid(), gt_br_hmp, avg_factor=max(1, gt_br_hmp.eq(1).sum()))) / 2.0
        pull_loss = push_loss = None
        if self.with_corner_emb and self.loss_embedding is not None:
            pull_loss, push_loss = self.loss_embedding(tl_emb, br_emb, targets['corner_embedding'])
        tl_mask = gt_tl_hmp.eq(1).sum(1).gt(0).unsqueeze(1).type_as(gt_tl_hmp)
        br_mask = gt_br_hmp.eq(1).sum(1).gt(0).unsqueeze(1).type_as(gt_br_hmp)
        off_loss = (self.loss_offset(tl_off, targets['topleft_offset'], tl_mask, avg_factor=max(1, tl_mask.sum()))
                    + self.loss_offset(br_off, targets['bottomright_offset'], br_mask,
                                       avg_factor=max(1, br_mask.sum()))) / 2.0
        return det_loss, pull_loss, push_loss, off_loss

    @force_fp32()
    def get_bboxes(self, tl_heats, br_heats, tl_embs, br_embs, tl_offs, br_offs, img_metas, rescale: bool = False,
                   with_nms: bool = True) -> list:
        """Per image ``(det_bboxes (n, 5), det_labels (n,))`` from the last level's maps."""
        if not tl_heats[-1].shape[0] == br_heats[-1].shape[0] == len(img_metas):
            raise ValueError(f'{tl_heats[-1].shape[0]} heatmaps for {len(img_metas)} images')
        return [self._get_bboxes_single(tl_heats[-1][i:i + 1], br_heats[-1][i:i + 1], tl_offs[-1][i:i + 1],
                                        br_offs[-1][i:i + 1], img_metas[i], tl_emb=tl_embs[-1][i:i + 1],
                                        br_emb=br_embs[-1][i:i + 1], rescale=rescale, with_nms=with_nms)
                for i in range(len(img_metas))]

    def _get_bboxes_single(self, tl_heat, br_heat, tl_off, br_off, img_meta, tl_emb=None, br_emb=None,
                           tl_centripetal_shift=None, br_centripetal_shift=None, rescale: bool = False,
                           with_nms: bool = True) -> tuple:
        img_meta = img_meta[0] if isinstance(img_meta, (list, tuple)) else img_meta
        cfg = self.test_cfg
        bboxes, scores, labels = self.decode_heatmap(
            tl_heat.sigmoid(), br_heat.sigmoid(), tl_off, br_off, tl_emb=tl_emb, br_emb=br_emb,
            tl_centripetal_shift=tl_centripetal_shift, br_centripetal_shift=br_centripetal_shift, img_meta=img_meta,
            k=cfg.corner_topk, kernel=cfg.local_maximum_kernel, distance_threshold=cfg.distance_threshold)
        if rescale:
            bboxes = bboxes / bboxes.new_tensor(img_meta['scale_factor'])
        detections = torch.cat([bboxes.view(-1, 4), scores.view(-1, 1)], -1)
        keep = detections[:, -1] > max(-0.1, cfg.get('score_thr', -0.1))  # invalid pairs score -1
        detections, labels = detections[keep], labels.view(-1)[keep]
        if with_nms:
            detections, labels = self._bboxes_nms(detections, labels, cfg)
        return detections, labels

    def _bboxes_nms(self, bboxes, labels, cfg) -> tuple:
        return nms_per_class(bboxes, labels, cfg)

    def decode_heatmap(self, tl_heat, br_heat, tl_off, br_off, tl_emb=None, br_emb=None, tl_centripetal_shift=None,
                       br_centripetal_shift=None, img_meta=None, k: int = 100, kernel: int = 3,
                       distance_threshold: float = 0.5, num_dets: int = 1000) -> tuple:
        """The ``num_dets`` best of the ``k x k`` corner pairs: boxes ``(N, num_dets, 4)`` in the (unpadded) input
        image, scores (the corners' mean; -1 for pairs of different classes, inverted corners, or corners that do
        not belong together: embeddings farther apart than ``distance_threshold``, or, with centripetal shifts,
        shifted corners outside the pair's central region) and classes."""
        with_emb, with_shift = tl_emb is not None and br_emb is not None, tl_centripetal_shift is not None
        if with_emb == with_shift:
            raise ValueError('CornerHead groups corners by their embeddings (corner_emb_channels > 0) or, '
                             'CentripetalHead, by centripetal shifts: exactly one of them')
        batch = tl_heat.shape[0]
        tl = self._top_corners(tl_heat, tl_off, k, kernel, (batch, k, 1))
        br = self._top_corners(br_heat, br_off, k, kernel, (batch, 1, k))
        to_image = _ImageFrame(img_meta, tl_heat.shape)
        tl_xs, tl_ys, br_xs, br_ys = torch.broadcast_tensors(to_image.x(tl['xs']), to_image.y(tl['ys']),
                                                             to_image.x(br['xs']), to_image.y(br['ys']))
        bboxes = torch.stack((tl_xs, tl_ys, br_xs, br_ys), dim=3)
        invalid = (br_xs <= tl_xs) | (br_ys <= tl_ys)
        if with_emb:
            dists = torch.abs(transpose_and_gather_feat(tl_emb, tl['inds']).view(batch, k, 1)
                              - transpose_and_gather_feat(br_emb, br['inds']).view(batch, 1, k))
        else:
            tl_shift = transpose_and_gather_feat(tl_centripetal_shift, tl['inds']).view(batch, k, 1, 2).exp()
            br_shift = transpose_and_gather_feat(br_centripetal_shift, br['inds']).view(batch, 1, k, 2).exp()
            centres = torch.stack(torch.broadcast_tensors(
                to_image.x(tl['xs'] + tl_shift[..., 0]), to_image.y(tl['ys'] + tl_shift[..., 1]),
                to_image.x(br['xs'] - br_shift[..., 0]), to_image.y(br['ys'] - br_shift[..., 1])), dim=3)
            dists, outside = _centripetal_checks(bboxes, centres)
            invalid = invalid | outside
        scores = (tl['scores'] + br['scores']) / 2
        tl_clses = tl['clses'].expand(batch, k, k)
        invalid = invalid | (tl_clses != br['clses']) | (dists > distance_threshold)
        scores, inds = torch.topk(torch.where(invalid, -torch.ones_like(scores), scores).view(batch, -1),
                                  min(num_dets, k * k))
        bboxes = gather_feat(bboxes.view(batch, -1, 4), inds)
        clses = gather_feat(tl_clses.contiguous().view(batch, -1, 1), inds).float()
        return bboxes, scores.unsqueeze(2), clses

    @staticmethod
    def _top_corners(heat, offset, k: int, kernel: int, shape: tuple) -> dict:
        """The ``k`` best local maxima of a corner heatmap: scores, flat indices, classes and sub-cell positions
        (grid units), each viewed as ``shape``."""
        scores, inds, clses, ys, xs = get_topk_from_heatmap(get_local_maximum(heat, kernel), k=k)
        offset = transpose_and_gather_feat(offset, inds).view(*shape, 2)
        return dict(scores=scores.view(shape), inds=inds, clses=clses.view(shape), xs=xs.view(shape) + offset[..., 0],
                    ys=ys.view(shape) + offset[..., 1])


class _ImageFrame:
    """Grid positions to input-image coordinates: scaled to the padded input, minus RandomCenterCropPad's test
    border (top, bottom, left, right), clamped at 0."""

    def __init__(self, img_meta: dict, heat_shape):
        height, width = heat_shape[2:]
        inp_h, inp_w = img_meta['pad_shape'][:2]
        border = img_meta.get('border', (0, 0, 0, 0))
        self.x_scale, self.y_scale, self.x_off, self.y_off = inp_w / width, inp_h / height, border[2], border[0]

    def x(self, xs: torch.Tensor) -> torch.Tensor:
        return (xs * self.x_scale - self.x_off).clamp(min=0)

    def y(self, ys: torch.Tensor) -> torch.Tensor:
        return (ys * self.y_scale - self.y_off).clamp(min=0)


def _centripetal_checks(bboxes: torch.Tensor, centres: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """CentripetalNet's pair test: the box's central region (``mu`` = 1/2.1 of its size above 3500 px^2, else
    1/2.4); returns the area ratio of the shifted-corner box to that region, and where a shifted corner falls
    outside the region."""
    area = ((bboxes[..., 2] - bboxes[..., 0]) * (bboxes[..., 3] - bboxes[..., 1])).abs()
    mu = torch.where(area > 3500, torch.full_like(area, 1 / 2.1), torch.full_like(area, 1 / 2.4))
    cx, cy = (bboxes[..., 0] + bboxes[..., 2]) / 2, (bboxes[..., 1] + bboxes[..., 3]) / 2
    half_w, half_h = mu * (bboxes[..., 2] - bboxes[..., 0]) / 2, mu * (bboxes[..., 3] - bboxes[..., 1]) / 2
    region = torch.stack([cx - half_w, cy - half_h, cx + half_w, cy + half_h], dim=-1)
    region_area = ((region[..., 2] - region[..., 0]) * (region[..., 3] - region[..., 1])).abs()
    centre_area = ((centres[..., 2] - centres[..., 0]) * (centres[..., 3] - centres[..., 1])).abs()
    outside = torch.zeros_like(area, dtype=torch.bool)
    for i, (low, high) in enumerate(((0, 2), (1, 3), (0, 2), (1, 3))):
        outside |= (centres[..., i] <= region[..., low]) | (centres[..., i] >= region[..., high])
    return centre_area / region_area, outside
