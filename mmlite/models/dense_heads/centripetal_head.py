"""``CentripetalHead``: CentripetalNet (Dong et al., 2020): CornerNet's corners paired by centripetal shifts
(each corner predicts where the object's centre lies) instead of embeddings."""
from __future__ import annotations

import torch.nn as nn

from ...cnn import ConvModule, normal_init
from ...core.utils import multi_apply
from ...ops import DeformConv2d
from ...runner import force_fp32
from ..builder import HEADS, build_loss
from .corner_head import CornerHead


@HEADS.register_module()
class CentripetalHead(CornerHead):
    """Per corner branch: a guiding shift (corner to centre, SmoothL1 on the corners), which sets the offsets of
    a 3x3 deformable conv over the pooled features, and a log-scale centripetal shift predicted from those
    (``guiding_loss``, ``centripetal_loss`` beside ``det_loss`` and ``off_loss``).

    Args:
        centripetal_shift_channels / guiding_shift_channels: Must be 2.
        feat_adaption_conv_kernel: Kernel of the deformable feature adaption. Defaults to 3.
        loss_guiding_shift / loss_centripetal_shift: Loss configs.
    """

    def __init__(self, *args, centripetal_shift_channels: int = 2, guiding_shift_channels: int = 2,
                 feat_adaption_conv_kernel: int = 3,
                 loss_guiding_shift=dict(type='SmoothL1Loss', beta=1.0, loss_weight=0.05),  # noqa: B006
                 loss_centripetal_shift=dict(type='SmoothL1Loss', beta=1.0, loss_weight=1),  # noqa: B006
                 init_cfg=None, **kwargs):
        if centripetal_shift_channels != 2 or guiding_shift_channels != 2:
            raise ValueError('CentripetalHead supports only centripetal_shift_channels=2 and guiding_shift_channels=2')
        self.centripetal_shift_channels, self.guiding_shift_channels = 2, 2
        self.feat_adaption_conv_kernel = feat_adaption_conv_kernel
        super().__init__(*args, init_cfg=init_cfg, **kwargs)
        self.loss_guiding_shift = build_loss(loss_guiding_shift)
        self.loss_centripetal_shift = build_loss(loss_centripetal_shift)

    def _init_layers(self) -> None:
        super()._init_layers()
        channels, kernel = self.in_channels, self.feat_adaption_conv_kernel
        makers = dict(feat_adaption=lambda: DeformConv2d(channels, channels, kernel, 1, 1),
                      dcn_offset=lambda: ConvModule(2, kernel**2 * 2, 1, bias=False, act_cfg=None),
                      guiding_shift=lambda: self._make_layers(2, in_channels=channels),
                      centripetal_shift=lambda: self._make_layers(2, in_channels=channels))
        for name, make in makers.items():  # mmdet's registration order (the state dict's)
            for corner in ('tl', 'br'):
                setattr(self, f'{corner}_{name}', nn.ModuleList(make() for _ in range(self.num_feat_levels)))

    def init_weights(self) -> None:
        super().init_weights()
        for corner in ('tl', 'br'):
            for i in range(self.num_feat_levels):
                normal_init(getattr(self, f'{corner}_feat_adaption')[i], std=0.01)
                normal_init(getattr(self, f'{corner}_dcn_offset')[i].conv, std=0.1)
                for name in ('guiding_shift', 'centripetal_shift'):
                    for layer in getattr(self, f'{corner}_{name}')[i]:
                        layer.conv.reset_parameters()

    def forward_single(self, x, lvl_ind: int) -> list:
        """``tl_heat, br_heat, tl_off, br_off, tl_guiding_shift, br_guiding_shift, tl_centripetal_shift,
        br_centripetal_shift`` of one level."""
        tl_heat, br_heat, _, _, tl_off, br_off, tl_pool, br_pool = super().forward_single(x, lvl_ind, return_pool=True)
        outs = {}
        for corner, pool in (('tl', tl_pool), ('br', br_pool)):
            guiding = getattr(self, f'{corner}_guiding_shift')[lvl_ind](pool)
            offset = getattr(self, f'{corner}_dcn_offset')[lvl_ind](guiding.detach())
            adapted = getattr(self, f'{corner}_feat_adaption')[lvl_ind](pool, offset)
            outs[corner] = (guiding, getattr(self, f'{corner}_centripetal_shift')[lvl_ind](adapted))
        return [tl_heat, br_heat, tl_off, br_off, outs['tl'][0], outs['br'][0], outs['tl'][1], outs['br'][1]]

    @force_fp32()
    def loss(self, tl_heats, br_heats, tl_offs, br_offs, tl_guiding_shifts, br_guiding_shifts,
             tl_centripetal_shifts, br_centripetal_shifts, gt_bboxes, gt_labels, img_metas,
             gt_bboxes_ignore=None) -> dict:
        """Per level ``det_loss``, ``off_loss``, ``guiding_loss`` and ``centripetal_loss``."""
        targets = self.get_targets(gt_bboxes, gt_labels, tl_heats[-1].shape, img_metas[0]['pad_shape'],
                                   with_corner_emb=self.with_corner_emb, with_guiding_shift=True,
                                   with_centripetal_shift=True)
        det, off, guiding, centripetal = multi_apply(
            self.loss_single, tl_heats, br_heats, tl_offs, br_offs, tl_guiding_shifts, br_guiding_shifts,
            tl_centripetal_shifts, br_centripetal_shifts, [targets] * self.num_feat_levels)
        return dict(det_loss=det, off_loss=off, guiding_loss=guiding, centripetal_loss=centripetal)

    def loss_single(self, tl_hmp, br_hmp, tl_off, br_off, tl_guiding_shift, br_guiding_shift, tl_centripetal_shift,
                    br_centripetal_shift, targets) -> tuple:
        det_loss, _, _, off_loss = super().loss_single(tl_hmp, br_hmp, None, None, tl_off, br_off,
                                                       dict(targets, corner_embedding=None))
        losses = {}
        for name, loss_fn, preds in (('guiding', self.loss_guiding_shift, (tl_guiding_shift, br_guiding_shift)),
                                     ('centripetal', self.loss_centripetal_shift,
                                      (tl_centripetal_shift, br_centripetal_shift))):
            terms = []
            for corner, pred in zip(('topleft', 'bottomright'), preds):
                mask = targets[f'{corner}_heatmap'].eq(1).sum(1).gt(0).unsqueeze(1).type_as(pred)
                terms.append(loss_fn(pred, targets[f'{corner}_{name}_shift'], mask, avg_factor=mask.sum().clamp(min=1)))
            losses[name] = (terms[0] + terms[1]) / 2.0
        return det_loss, off_loss, losses['guiding'], losses['centripetal']

    @force_fp32()
    def get_bboxes(self, tl_heats, br_heats, tl_offs, br_offs, tl_guiding_shifts, br_guiding_shifts,
                   tl_centripetal_shifts, br_centripetal_shifts, img_metas, rescale: bool = False,
                   with_nms: bool = True) -> list:
        """Per image ``(det_bboxes (n, 5), det_labels (n,))`` from the last level's maps."""
        if not tl_heats[-1].shape[0] == br_heats[-1].shape[0] == len(img_metas):
            raise ValueError(f'{tl_heats[-1].shape[0]} heatmaps for {len(img_metas)} images')
        return [self._get_bboxes_single(tl_heats[-1][i:i + 1], br_heats[-1][i:i + 1], tl_offs[-1][i:i + 1],
                                        br_offs[-1][i:i + 1], img_metas[i],
                                        tl_centripetal_shift=tl_centripetal_shifts[-1][i:i + 1],
                                        br_centripetal_shift=br_centripetal_shifts[-1][i:i + 1], rescale=rescale,
                                        with_nms=with_nms)
                for i in range(len(img_metas))]
