"""``DynamicConv`` (mmdet.models.utils name): Sparse R-CNN's instance interaction, a two-layer 1x1 "conv" over
an RoI's features whose weights are generated from the proposal's feature."""
from __future__ import annotations

import torch
import torch.nn as nn

from ...cnn import build_activation_layer, build_norm_layer
from ...runner import BaseModule
from .builder import TRANSFORMER


@TRANSFORMER.register_module()
class DynamicConv(BaseModule):
    """Per proposal: ``in_channels -> feat_channels -> out_channels`` bmm layers (norm and activation after
    each) with parameters from a linear map of the proposal feature; then, with ``with_proj``, a linear
    projection of the flattened ``input_feat_shape^2`` positions (norm, activation).

    Args:
        in_channels / feat_channels / out_channels: Widths (``out_channels`` defaults to ``in_channels``).
        input_feat_shape: Side of the RoI features. with_proj: Project to one vector per proposal.
    """

    def __init__(self, in_channels: int = 256, feat_channels: int = 64, out_channels: int | None = None,
                 input_feat_shape: int = 7, with_proj: bool = True,
                 act_cfg=dict(type='ReLU', inplace=True), norm_cfg=dict(type='LN'), init_cfg=None):  # noqa: B006
        super().__init__(init_cfg)
        self.in_channels, self.feat_channels, self.out_channels_raw = in_channels, feat_channels, out_channels
        self.input_feat_shape, self.with_proj, self.act_cfg, self.norm_cfg = input_feat_shape, with_proj, act_cfg, \
            norm_cfg
        self.out_channels = out_channels if out_channels else in_channels
        self.num_params_in, self.num_params_out = in_channels * feat_channels, self.out_channels * feat_channels
        self.dynamic_layer = nn.Linear(in_channels, self.num_params_in + self.num_params_out)
        self.norm_in = build_norm_layer(norm_cfg, feat_channels)[1]
        self.norm_out = build_norm_layer(norm_cfg, self.out_channels)[1]
        self.activation = build_activation_layer(act_cfg)
        if with_proj:
            self.fc_layer = nn.Linear(self.out_channels * input_feat_shape**2, self.out_channels)
            self.fc_norm = build_norm_layer(norm_cfg, self.out_channels)[1]

    def forward(self, param_feature: torch.Tensor, input_feature: torch.Tensor) -> torch.Tensor:
        """``(n, in_channels)`` proposal features and ``(n, in_channels, h, w)`` RoI features."""
        features = input_feature.flatten(2).transpose(1, 2)  # (n, h*w, c)
        params = self.dynamic_layer(param_feature)
        param_in = params[:, :self.num_params_in].view(-1, self.in_channels, self.feat_channels)
        param_out = params[:, -self.num_params_out:].view(-1, self.feat_channels, self.out_channels)
        features = self.activation(self.norm_in(torch.bmm(features, param_in)))
        features = self.activation(self.norm_out(torch.bmm(features, param_out)))
        if self.with_proj:
            features = self.activation(self.fc_norm(self.fc_layer(features.flatten(1))))
        return features
