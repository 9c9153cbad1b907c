"""``ConvFCBBoxHead`` and its presets: shared convs/fcs, then separate cls and reg branches."""
from __future__ import annotations

import torch.nn as nn

from ....cnn import ConvModule, build_linear_layer
from ...builder import HEADS
from .bbox_head import BBoxHead


@HEADS.register_module()
class ConvFCBBoxHead(BBoxHead):
    """``shared convs -> shared fcs -> (cls convs -> cls fcs -> fc_cls, reg convs -> reg fcs -> fc_reg)``.

    Args:
        num_shared_convs / num_shared_fcs / num_cls_convs / num_cls_fcs / num_reg_convs / num_reg_fcs:
            Layer counts of each part.
        conv_out_channels: Channels of the convs. Defaults to 256.
        fc_out_channels: Width of the fcs. Defaults to 1024.
        conv_cfg / norm_cfg: Layer configs of the convs.
    """

    def __init__(self, num_shared_convs: int = 0, num_shared_fcs: int = 0, num_cls_convs: int = 0,
                 num_cls_fcs: int = 0, num_reg_convs: int = 0, num_reg_fcs: int = 0, conv_out_channels: int = 256,
                 fc_out_channels: int = 1024, conv_cfg=None, norm_cfg=None, init_cfg=None, *args, **kwargs):
        # the base creates fc_cls/fc_reg first, which fixes mmdet's parameter order in the state dict
        super().__init__(*args, init_cfg=init_cfg, **kwargs)
        if num_shared_convs + num_shared_fcs + num_cls_convs + num_cls_fcs + num_reg_convs + num_reg_fcs <= 0:
            raise ValueError('ConvFCBBoxHead needs at least one conv or fc layer')
        if (num_cls_convs > 0 or num_reg_convs > 0) and num_shared_fcs > 0:
            raise ValueError('branch convs cannot follow shared fcs')
        if (not self.with_cls and (num_cls_convs or num_cls_fcs)) or (
                not self.with_reg and (num_reg_convs or num_reg_fcs)):
            raise ValueError('a disabled branch (with_cls/with_reg False) cannot have layers')
        self.num_shared_convs, self.num_shared_fcs = num_shared_convs, num_shared_fcs
        self.num_cls_convs, self.num_cls_fcs = num_cls_convs, num_cls_fcs
        self.num_reg_convs, self.num_reg_fcs = num_reg_convs, num_reg_fcs
        self.conv_out_channels, self.fc_out_channels = conv_out_channels, fc_out_channels
        self.conv_cfg, self.norm_cfg = conv_cfg, norm_cfg

        self.shared_convs, self.shared_fcs, last_dim = self._add_conv_fc_branch(
            num_shared_convs, num_shared_fcs, self.in_channels, True)
        self.shared_out_channels = last_dim
        self.cls_convs, self.cls_fcs, self.cls_last_dim = self._add_conv_fc_branch(
            num_cls_convs, num_cls_fcs, last_dim)
        self.reg_convs, self.reg_fcs, self.reg_last_dim = self._add_conv_fc_branch(
            num_reg_convs, num_reg_fcs, last_dim)
        if num_shared_fcs == 0 and not self.with_avg_pool:
            if num_cls_fcs == 0:
                self.cls_last_dim *= self.roi_feat_area
            if num_reg_fcs == 0:
                self.reg_last_dim *= self.roi_feat_area
        self.relu = nn.ReLU(inplace=True)
        if self.with_cls:
            self.fc_cls = build_linear_layer(self.cls_predictor_cfg, in_features=self.cls_last_dim,
                                             out_features=self.cls_channels)
        if self.with_reg:
            self.fc_reg = build_linear_layer(self.reg_predictor_cfg, in_features=self.reg_last_dim,
                                             out_features=4 if self.reg_class_agnostic else 4 * self.num_classes)
        if init_cfg is None:
            self.init_cfg += [dict(type='Xavier', distribution='uniform',
                                   override=[dict(name='shared_fcs'), dict(name='cls_fcs'), dict(name='reg_fcs')])]

    def _add_conv_fc_branch(self, num_convs: int, num_fcs: int, in_channels: int, is_shared: bool = False):
        """(convs, fcs, output width) of one branch."""
        convs, fcs = nn.ModuleList(), nn.ModuleList()
        last_dim = in_channels
        for i in range(num_convs):
            convs.append(ConvModule(last_dim if i == 0 else self.conv_out_channels, self.conv_out_channels, 3,
                                    padding=1, conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg))
        if num_convs > 0:
            last_dim = self.conv_out_channels
        if num_fcs > 0:
            if (is_shared or num_convs == 0) and not self.with_avg_pool:
                last_dim *= self.roi_feat_area
            for i in range(num_fcs):
                fcs.append(nn.Linear(last_dim if i == 0 else self.fc_out_channels, self.fc_out_channels))
            last_dim = self.fc_out_channels
        return convs, fcs, last_dim

    def _branch(self, x, convs, fcs):
        for conv in convs:
            x = conv(x)
        if x.dim() > 2:
            if self.with_avg_pool:
                x = self.avg_pool(x)
            x = x.flatten(1)
        for fc in fcs:
            x = self.relu(fc(x))
        return x

    def _forward_shared(self, x):
        """The shared convs and fcs."""
        for conv in self.shared_convs:
            x = conv(x)
        if self.num_shared_fcs > 0:
            if self.with_avg_pool:
                x = self.avg_pool(x)
            x = x.flatten(1)
            for fc in self.shared_fcs:
                x = self.relu(fc(x))
        return x

    def _forward_cls_reg(self, x) -> tuple:
        """Class scores and box deltas from the shared feature."""
        cls_score = self.fc_cls(self._branch(x, self.cls_convs, self.cls_fcs)) if self.with_cls else None
        bbox_pred = self.fc_reg(self._branch(x, self.reg_convs, self.reg_fcs)) if self.with_reg else None
        return cls_score, bbox_pred

    def forward(self, x):
        return self._forward_cls_reg(self._forward_shared(x))


@HEADS.register_module()
class Shared2FCBBoxHead(ConvFCBBoxHead):
    """Two shared fcs (Faster/Mask R-CNN's default box head)."""

    def __init__(self, fc_out_channels: int = 1024, *args, **kwargs):
        super().__init__(0, 2, 0, 0, 0, 0, *args, fc_out_channels=fc_out_channels, **kwargs)


@HEADS.register_module()
class Shared4Conv1FCBBoxHead(ConvFCBBoxHead):
    """Four shared convs and one shared fc (used with GroupNorm)."""

    def __init__(self, fc_out_channels: int = 1024, *args, **kwargs):
        super().__init__(4, 1, 0, 0, 0, 0, *args, fc_out_channels=fc_out_channels, **kwargs)
