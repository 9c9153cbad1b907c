"""``AnchorFreeHead``: conv towers predicting one box per feature-map point (the base of FCOSHead)."""
from __future__ import annotations

import torch.nn as nn

from ...cnn import ConvModule
from ...core.anchor import MlvlPointGenerator
from ...core.bbox import build_bbox_coder
from ...core.utils import multi_apply
from ..builder import HEADS, build_loss
from .base_dense_head import BaseDenseHead

# predictor names of mmdet 1.x checkpoints (no version in their metadata) -> mmdet 2.x names
_V1_PREDICTORS = (('cls', 'conv_cls'), ('reg', 'conv_reg'), ('centerness', 'conv_centerness'))


def conv_tower(in_channels: int, feat_channels: int, num_convs: int, conv_cfg=None, norm_cfg=None,
               bias='auto', last_conv_cfg=None) -> nn.ModuleList:
    """``num_convs`` 3x3 ConvModules (conv, norm, ReLU): the towers of dense heads; ``last_conv_cfg`` (e.g.
    DCNv2) replaces ``conv_cfg`` in the last one."""
    return nn.ModuleList([
        ConvModule(in_channels if i == 0 else feat_channels, feat_channels, 3, stride=1, padding=1,
                   conv_cfg=last_conv_cfg if last_conv_cfg and i == num_convs - 1 else conv_cfg, norm_cfg=norm_cfg,
                   bias=bias) for i in range(num_convs)])


def conv_towers(head, bias='auto') -> tuple[nn.ModuleList, nn.ModuleList]:
    """A head's classification and regression towers, from its ``in_channels``, ``feat_channels``,
    ``stacked_convs``, ``conv_cfg``, ``norm_cfg`` (and ``dcn_on_last_conv``: a DCNv2 last conv, as mmdet)."""
    last = dict(type='DCNv2') if getattr(head, 'dcn_on_last_conv', False) else None
    return tuple(conv_tower(head.in_channels, head.feat_channels, head.stacked_convs, head.conv_cfg, head.norm_cfg,
                            bias, last) for _ in range(2))


def tower_features(x, cls_convs, reg_convs) -> tuple:
    """``x`` through the classification and the regression tower."""
    cls_feat = reg_feat = x
    for conv in cls_convs:
        cls_feat = conv(cls_feat)
    for conv in reg_convs:
        reg_feat = conv(reg_feat)
    return cls_feat, reg_feat


@HEADS.register_module()
class AnchorFreeHead(BaseDenseHead):
    """``stacked_convs`` ConvModules per branch, then 3x3 ``conv_cls`` / ``conv_reg`` predictors.

    Args:
        num_classes: Foreground classes.
        in_channels: Input channels.
        feat_channels: Tower channels. Defaults to 256.
        stacked_convs: Convs per tower. Defaults to 4.
        strides: Stride of each input level. Defaults to ``(4, 8, 16, 32, 64)``.
        dcn_on_last_conv: A modulated deformable (DCNv2) last conv in both towers. Defaults to False.
        conv_bias: Tower conv bias: ``'auto'`` (none when normalised) or a bool.
        loss_cls / loss_bbox / bbox_coder: Component configs.
        conv_cfg / norm_cfg: Tower conv and norm configs.
    """

    _version = 1
    # unversioned (mmdet 1.x) checkpoints name the predictors fcos_cls...: renamed on load; heads whose own
    # names would match the renaming (VFNet's vfnet_cls, RepPoints' reppoints_cls_out...) turn it off
    rename_v1_predictors = True

    def __init__(self, num_classes: int, in_channels: int, feat_channels: int = 256, stacked_convs: int = 4,
                 strides=(4, 8, 16, 32, 64), dcn_on_last_conv: bool = False, conv_bias='auto',
                 loss_cls=dict(type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25,  # noqa: B006
                               loss_weight=1.0),
                 loss_bbox=dict(type='IoULoss', loss_weight=1.0),  # noqa: B006
                 bbox_coder=dict(type='DistancePointBBoxCoder'),  # noqa: B006
                 conv_cfg=None, norm_cfg=None, train_cfg=None, test_cfg=None,
                 init_cfg=dict(type='Normal', layer='Conv2d', std=0.01,  # noqa: B006
                               override=dict(type='Normal', name='conv_cls', std=0.01, bias_prob=0.01))):
        super().__init__(init_cfg)
        if conv_bias != 'auto' and not isinstance(conv_bias, bool):
            raise ValueError(f"conv_bias must be 'auto' or a bool, got {conv_bias!r}")
        self.num_classes = num_classes
        self.use_sigmoid_cls = loss_cls.get('use_sigmoid', False)
        self.cls_out_channels = num_classes if self.use_sigmoid_cls else num_classes + 1
        self.in_channels, self.feat_channels, self.stacked_convs = in_channels, feat_channels, stacked_convs
        self.strides, self.dcn_on_last_conv, self.conv_bias = strides, dcn_on_last_conv, conv_bias
        self.loss_cls = build_loss(loss_cls)
        self.loss_bbox = build_loss(loss_bbox)
        self.bbox_coder = build_bbox_coder(bbox_coder)
        self.prior_generator = MlvlPointGenerator(strides)
        self.num_base_priors = self.prior_generator.num_base_priors[0]
        self.train_cfg, self.test_cfg = train_cfg, test_cfg
        self.conv_cfg, self.norm_cfg = conv_cfg, norm_cfg
        self.fp16_enabled = False
        self._init_layers()

    def _init_layers(self) -> None:
        self.cls_convs, self.reg_convs = conv_towers(self, self.conv_bias)
        self._init_predictor()

    def _init_predictor(self) -> None:
        self.conv_cls = nn.Conv2d(self.feat_channels, self.cls_out_channels, 3, padding=1)
        self.conv_reg = nn.Conv2d(self.feat_channels, 4, 3, padding=1)

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs):
        if self.rename_v1_predictors and local_metadata.get('version') is None:  # mmdet 1.x: fcos_cls -> conv_cls
            for key in [k for k in state_dict if k.startswith(prefix)]:
                name, _, rest = key[len(prefix):].partition('.')
                new = next((conv for suffix, conv in _V1_PREDICTORS if name.endswith(suffix)), None)
                if new is not None and new != name:
                    state_dict[f'{prefix}{new}.{rest}'] = state_dict.pop(key)
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                      error_msgs)

    def forward(self, feats):
        """Per level ``cls_score`` and ``bbox_pred``."""
        return multi_apply(self.forward_single, feats)[:2]

    def forward_single(self, x):
        """``cls_score``, ``bbox_pred`` and the two towers' last features."""
        cls_feat, reg_feat = tower_features(x, self.cls_convs, self.reg_convs)
        return self.conv_cls(cls_feat), self.conv_reg(reg_feat), cls_feat, reg_feat

    def loss(self, cls_scores, bbox_preds, gt_bboxes, gt_labels, img_metas, gt_bboxes_ignore=None) -> dict:
        raise NotImplementedError

    def get_targets(self, points, gt_bboxes_list, gt_labels_list):
        raise NotImplementedError
