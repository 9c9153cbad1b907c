"""``GenericRoIExtractor``: GRoIE, pooling every RoI from all levels and aggregating them."""
from __future__ import annotations

import torch

from ....cnn import build_plugin_layer
from ....runner import force_fp32
from ...builder import ROI_EXTRACTORS
from .base_roi_extractor import BaseRoIExtractor

_AGGREGATIONS = ('sum', 'concat')


@ROI_EXTRACTORS.register_module()
class GenericRoIExtractor(BaseRoIExtractor):
    """GRoIE (Rossi et al., 2020): each RoI is pooled from every level, each level's features pass the same
    ``pre_cfg`` plugin (e.g. a 5x5 ConvModule), and are summed (or concatenated along channels); the result
    passes ``post_cfg`` (e.g. a GeneralizedAttention).

    Args:
        aggregation: 'sum' or 'concat' (then ``out_channels`` is the levels' channels together).
        pre_cfg / post_cfg: Plugin layer configs, or None.
        roi_layer / out_channels / featmap_strides: As ``SingleRoIExtractor``.
    """

    def __init__(self, aggregation: str = 'sum', pre_cfg: dict | None = None, post_cfg: dict | None = None,
                 **kwargs):
        super().__init__(**kwargs)
        if aggregation not in _AGGREGATIONS:
            raise ValueError(f'GenericRoIExtractor: aggregation must be one of {_AGGREGATIONS}, got {aggregation!r}')
        self.aggregation = aggregation
        self.with_post, self.with_pre = post_cfg is not None, pre_cfg is not None
        if self.with_post:  # registered before pre_module, as mmdet's (state-dict order)
            self.post_module = build_plugin_layer(post_cfg, '_post_module')[1]
        if self.with_pre:
            self.pre_module = build_plugin_layer(pre_cfg, '_pre_module')[1]

    @force_fp32(apply_to=('feats', ), out_fp16=True)
    def forward(self, feats, rois: torch.Tensor, roi_scale_factor=None) -> torch.Tensor:
        if len(feats) == 1:
            return self.roi_layers[0](feats[0], rois)
        if rois.size(0) == 0:
            return feats[0].new_zeros(0, self.out_channels, *self.roi_layers[0].output_size)
        if roi_scale_factor is not None:
            rois = self.roi_rescale(rois, roi_scale_factor)
        level_feats = []
        for level, feat in enumerate(feats):
            pooled = self.roi_layers[level](feat, rois)
            level_feats.append(self.pre_module(pooled) if self.with_pre else pooled)
        if self.aggregation == 'sum':
            roi_feats = level_feats[0]
            for level_feat in level_feats[1:]:  # level by level, as mmdet adds them
                roi_feats = roi_feats + level_feat
        else:
            roi_feats = torch.cat(level_feats, dim=1)
            if roi_feats.size(1) != self.out_channels:
                raise ValueError(f'GenericRoIExtractor: the concatenated levels have {roi_feats.size(1)} channels '
                                 f'but out_channels={self.out_channels}')
        return self.post_module(roi_feats) if self.with_post else roi_feats
