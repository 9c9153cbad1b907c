"""``BaseRoIExtractor``: one RoI layer per feature-map stride."""
from __future__ import annotations

import torch
import torch.nn as nn

from ....ops import DeformRoIPoolPack, ModulatedDeformRoIPoolPack, RoIAlign, SimpleRoIAlign
from ....runner import BaseModule
from ....utils.errors import ReadableKeyError

_ROI_LAYERS = {'RoIAlign': RoIAlign, 'SimpleRoIAlign': SimpleRoIAlign, 'DeformRoIPoolPack': DeformRoIPoolPack,
               'ModulatedDeformRoIPoolPack': ModulatedDeformRoIPoolPack}


def build_roi_layers(layer_cfg: dict, featmap_strides: list) -> nn.ModuleList:
    """``layer_cfg`` (e.g. ``dict(type='RoIAlign', output_size=7, sampling_ratio=0)``) per stride."""
    cfg = dict(layer_cfg)
    layer_type = cfg.pop('type', None)
    if layer_type not in _ROI_LAYERS:
        raise ReadableKeyError(f'roi_layer.type={layer_type!r} is not available in mmlite; '
                               f'expected one of {sorted(_ROI_LAYERS)}')
    return nn.ModuleList([_ROI_LAYERS[layer_type](spatial_scale=1 / s, **cfg) for s in featmap_strides])


class BaseRoIExtractor(BaseModule):
    """Pool RoI features from a list of feature maps.

    Args:
        roi_layer: RoI layer config (``spatial_scale`` is set from each stride).
        out_channels: Channels of the feature maps.
        featmap_strides: Stride of each input level.
    """

    def __init__(self, roi_layer: dict, out_channels: int, featmap_strides: list, init_cfg=None):
        super().__init__(init_cfg)
        self.roi_layers = build_roi_layers(roi_layer, featmap_strides)
        self.out_channels = out_channels
        self.featmap_strides = featmap_strides
        self.fp16_enabled = False

    @property
    def num_inputs(self) -> int:
        """Number of feature levels read."""
        return len(self.featmap_strides)

    def build_roi_layers(self, layer_cfg: dict, featmap_strides: list) -> nn.ModuleList:
        return build_roi_layers(layer_cfg, featmap_strides)

    def roi_rescale(self, rois: torch.Tensor, scale_factor: float) -> torch.Tensor:
        """Scale each RoI's width and height by ``scale_factor`` about its centre."""
        cx, cy = (rois[:, 1] + rois[:, 3]) * 0.5, (rois[:, 2] + rois[:, 4]) * 0.5
        half_w = (rois[:, 3] - rois[:, 1]) * scale_factor * 0.5
        half_h = (rois[:, 4] - rois[:, 2]) * scale_factor * 0.5
        return torch.stack((rois[:, 0], cx - half_w, cy - half_h, cx + half_w, cy + half_h), dim=-1)

    def forward(self, feats, rois, roi_scale_factor=None):
        raise NotImplementedError
