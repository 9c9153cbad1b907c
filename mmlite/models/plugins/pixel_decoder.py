"""MaskFormer's pixel decoders (``PLUGIN_LAYERS``): per-pixel embeddings from the backbone's levels, FPN-style."""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from ...cnn import PLUGIN_LAYERS, ConvModule
from ...cnn.transformer_layers import build_positional_encoding, build_transformer_layer_sequence
from ...runner import BaseModule, ModuleList
from ...runner.weight_init import caffe2_xavier_init
from ..dense_heads.detr_head import padding_masks


@PLUGIN_LAYERS.register_module()
class PixelDecoder(BaseModule):
    """Top-down fusion of ``in_channels`` levels (1x1 laterals, nearest upsampling, 3x3 output convs) into
    ``out_channels`` mask features at the finest level; the memory for the transformer decoder is the last
    backbone level as it is."""

    def __init__(self, in_channels: list, feat_channels: int, out_channels: int,
                 norm_cfg: dict | None = dict(type='GN', num_groups=32),  # noqa: B006
                 act_cfg: dict | None = dict(type='ReLU'), init_cfg=None):  # noqa: B006
        super().__init__(init_cfg=init_cfg)
        self.in_channels = in_channels
        self.num_inputs = len(in_channels)
        self.use_bias = norm_cfg is None
        self.lateral_convs = ModuleList(
            ConvModule(in_channels[i], feat_channels, kernel_size=1, bias=self.use_bias, norm_cfg=norm_cfg,
                       act_cfg=None) for i in range(self.num_inputs - 1))
        self.output_convs = ModuleList(
            ConvModule(feat_channels, feat_channels, kernel_size=3, stride=1, padding=1, bias=self.use_bias,
                       norm_cfg=norm_cfg, act_cfg=act_cfg) for _ in range(self.num_inputs - 1))
        self.last_feat_conv = ConvModule(in_channels[-1], feat_channels, kernel_size=3, padding=1, stride=1,
                                         bias=self.use_bias, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.mask_feature = nn.Conv2d(feat_channels, out_channels, kernel_size=3, stride=1, padding=1)

    def init_weights(self) -> None:
        # as mmdet: the finest lateral and output convs keep their default init
        for i in range(self.num_inputs - 2):
            caffe2_xavier_init(self.lateral_convs[i].conv, bias=0)
            caffe2_xavier_init(self.output_convs[i].conv, bias=0)
        caffe2_xavier_init(self.mask_feature, bias=0)
        caffe2_xavier_init(self.last_feat_conv, bias=0)

    def _top_down(self, y: torch.Tensor, feats: list) -> torch.Tensor:
        for i in range(self.num_inputs - 2, -1, -1):
            lateral = self.lateral_convs[i](feats[i])
            y = self.output_convs[i](lateral + F.interpolate(y, size=lateral.shape[-2:], mode='nearest'))
        return self.mask_feature(y)

    def forward(self, feats: list, img_metas: list) -> tuple[torch.Tensor, torch.Tensor]:
        """``(mask features (N, out_channels, H/4, W/4), memory (the last level))``."""
        return self._top_down(self.last_feat_conv(feats[-1]), feats), feats[-1]


@PLUGIN_LAYERS.register_module()
class TransformerEncoderPixelDecoder(PixelDecoder):
    """``PixelDecoder`` whose coarsest level first passes a transformer ``encoder`` (with sine positional
    encodings and the batch padding masked); the encoded level is also the decoder's memory."""

    def __init__(self, in_channels: list, feat_channels: int, out_channels: int,
                 norm_cfg: dict | None = dict(type='GN', num_groups=32),  # noqa: B006
                 act_cfg: dict | None = dict(type='ReLU'), encoder: dict | None = None,  # noqa: B006
                 positional_encoding: dict = dict(type='SinePositionalEncoding', num_feats=128,  # noqa: B006
                                                  normalize=True),
                 init_cfg=None):
        super().__init__(in_channels, feat_channels, out_channels, norm_cfg, act_cfg, init_cfg=init_cfg)
        self.last_feat_conv = None
        self.encoder = build_transformer_layer_sequence(encoder)
        self.encoder_embed_dims = self.encoder.embed_dims
        if self.encoder_embed_dims != feat_channels:
            raise ValueError(f'embed_dims ({self.encoder_embed_dims}) of the transformer encoder must equal '
                             f'feat_channels ({feat_channels})')
        self.positional_encoding = build_positional_encoding(positional_encoding)
        self.encoder_in_proj = nn.Conv2d(in_channels[-1], feat_channels, kernel_size=1)
        self.encoder_out_proj = ConvModule(feat_channels, feat_channels, kernel_size=3, stride=1, padding=1,
                                           bias=self.use_bias, norm_cfg=norm_cfg, act_cfg=act_cfg)

    def init_weights(self) -> None:
        for i in range(self.num_inputs - 2):
            caffe2_xavier_init(self.lateral_convs[i].conv, bias=0)
            caffe2_xavier_init(self.output_convs[i].conv, bias=0)
        caffe2_xavier_init(self.mask_feature, bias=0)
        caffe2_xavier_init(self.encoder_in_proj, bias=0)
        caffe2_xavier_init(self.encoder_out_proj.conv, bias=0)
        for p in self.encoder.parameters():
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)

    def forward(self, feats: list, img_metas: list) -> tuple[torch.Tensor, torch.Tensor]:
        last = feats[-1]
        bs, _, h, w = last.shape
        padding_mask = padding_masks(img_metas, bs, last.shape[-2:], last.device)
        pos_embed = self.positional_encoding(padding_mask).flatten(2).permute(2, 0, 1)
        query = self.encoder_in_proj(last).flatten(2).permute(2, 0, 1)
        memory = self.encoder(query=query, key=None, value=None, query_pos=pos_embed,
                              query_key_padding_mask=padding_mask.flatten(1))
        memory = memory.permute(1, 2, 0).reshape(bs, self.encoder_embed_dims, h, w)
        return self._top_down(self.encoder_out_proj(memory), feats), memory
