"""``SingleRoIExtractor``: pool each RoI from the one FPN level its size maps to."""
from __future__ import annotations

import torch

from ....runner import force_fp32
from ...builder import ROI_EXTRACTORS
from .base_roi_extractor import BaseRoIExtractor


@ROI_EXTRACTORS.register_module()
class SingleRoIExtractor(BaseRoIExtractor):
    """FPN RoI pooling with mmdet's level rule: ``floor(log2(sqrt(area) / finest_scale))``, clamped.

    Args:
        finest_scale: RoIs smaller than ``2 * finest_scale`` go to level 0. Defaults to 56.
    """

    def __init__(self, roi_layer: dict, out_channels: int, featmap_strides: list, finest_scale: int = 56,
                 init_cfg=None):
        super().__init__(roi_layer, out_channels, featmap_strides, init_cfg)
        self.finest_scale = finest_scale

    def map_roi_levels(self, rois: torch.Tensor, num_levels: int) -> torch.Tensor:
        """The level index of each ``(n, 5)`` RoI."""
        scale = torch.sqrt((rois[:, 3] - rois[:, 1]) * (rois[:, 4] - rois[:, 2]))
        levels = torch.floor(torch.log2(scale / self.finest_scale + 1e-6))
        return levels.clamp(min=0, max=num_levels - 1).long()

    @force_fp32(apply_to=('feats', ), out_fp16=True)
    def forward(self, feats, rois: torch.Tensor, roi_scale_factor=None) -> torch.Tensor:
        out_size = self.roi_layers[0].output_size
        num_levels = len(feats)
        if num_levels == 1:
            if len(rois) == 0:
                return feats[0].new_zeros(0, self.out_channels, *out_size)
            return self.roi_layers[0](feats[0], rois)
        target_levels = self.map_roi_levels(rois, num_levels)
        if roi_scale_factor is not None:
            rois = self.roi_rescale(rois, roi_scale_factor)
        roi_feats = feats[0].new_zeros(rois.size(0), self.out_channels, *out_size)
        unused = None
        for level in range(num_levels):
            inds = (target_levels == level).nonzero(as_tuple=False).squeeze(1)
            if inds.numel() > 0:
                roi_feats[inds] = self.roi_layers[level](feats[level], rois[inds]).to(roi_feats.dtype)
            else:
                zero = feats[level].sum() * 0.
                unused = zero if unused is None else unused + zero
        if unused is not None:
            # keep levels without RoIs in the graph (DDP expects a gradient for every input), at
            # the cost of one element instead of a pass over all RoI features
            if roi_feats.numel() == 0:
                return roi_feats + unused
            roi_feats[:1] += unused
        return roi_feats
