"""``MSDeformAttnPixelDecoder`` (Mask2Former): multi-scale deformable attention over the coarsest levels, then
an FPN-style top-down path to the mask features."""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from ...cnn import PLUGIN_LAYERS, ConvModule
from ...cnn.transformer_layers import build_positional_encoding, build_transformer_layer_sequence
from ...core.anchor import MlvlPointGenerator
from ...ops import MultiScaleDeformableAttention
from ...runner import BaseModule, ModuleList
from ...runner.weight_init import caffe2_xavier_init, normal_init, xavier_init


@PLUGIN_LAYERS.register_module()
class MSDeformAttnPixelDecoder(BaseModule):
    """The last ``encoder...attn_cfgs.num_levels`` levels are projected (1x1 conv + norm) and encoded jointly by
    a deformable-attention transformer (sine positions + a learnt level embedding); the finer levels join
    top-down (bilinear upsampling, 1x1 laterals, 3x3 outputs). Returns the ``(N, out_channels, H/4, W/4)`` mask
    features and the first ``num_outs`` multi-scale outputs (coarsest first) for the transformer decoder."""

    def __init__(self, in_channels: list = [256, 512, 1024, 2048], strides: list = [4, 8, 16, 32],  # noqa: B006
                 feat_channels: int = 256, out_channels: int = 256, num_outs: int = 3,
                 norm_cfg: dict | None = dict(type='GN', num_groups=32),  # noqa: B006
                 act_cfg: dict | None = dict(type='ReLU'), encoder: dict | None = None,  # noqa: B006
                 positional_encoding: dict = dict(type='SinePositionalEncoding', num_feats=128,  # noqa: B006
                                                  normalize=True),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.strides = strides
        self.num_input_levels = len(in_channels)
        self.num_encoder_levels = encoder['transformerlayers']['attn_cfgs']['num_levels']
        if self.num_encoder_levels < 1:
            raise ValueError('num_levels in the encoder attn_cfgs must be at least 1')
        encoded = range(self.num_input_levels - 1, self.num_input_levels - self.num_encoder_levels - 1, -1)
        self.input_convs = ModuleList(
            ConvModule(in_channels[i], feat_channels, kernel_size=1, norm_cfg=norm_cfg, act_cfg=None, bias=True)
            for i in encoded)
        self.encoder = build_transformer_layer_sequence(encoder)
        self.postional_encoding = build_positional_encoding(positional_encoding)  # (sic) mmdet's parameter name
        self.level_encoding = nn.Embedding(self.num_encoder_levels, feat_channels)
        self.use_bias = norm_cfg is None
        finer = range(self.num_input_levels - self.num_encoder_levels - 1, -1, -1)
        self.lateral_convs = ModuleList(
            ConvModule(in_channels[i], feat_channels, kernel_size=1, bias=self.use_bias, norm_cfg=norm_cfg,
                       act_cfg=None) for i in finer)
        self.output_convs = ModuleList(
            ConvModule(feat_channels, feat_channels, kernel_size=3, stride=1, padding=1, bias=self.use_bias,
                       norm_cfg=norm_cfg, act_cfg=act_cfg) for _ in finer)
        self.mask_feature = nn.Conv2d(feat_channels, out_channels, kernel_size=1, stride=1, padding=0)
        self.num_outs = num_outs
        self.point_generator = MlvlPointGenerator(strides)

    def init_weights(self) -> None:
        for conv in self.input_convs:
            xavier_init(conv.conv, gain=1, bias=0, distribution='uniform')
        for lateral, output in zip(self.lateral_convs, self.output_convs):
            caffe2_xavier_init(lateral.conv, bias=0)
            caffe2_xavier_init(output.conv, bias=0)
        caffe2_xavier_init(self.mask_feature, bias=0)
        normal_init(self.level_encoding, mean=0, std=1)
        for p in self.encoder.parameters():
            if p.dim() > 1:
                nn.init.xavier_normal_(p)
        for layer in self.encoder.layers:
            for attn in layer.attentions:
                if isinstance(attn, MultiScaleDeformableAttention):
                    attn.init_weights()

    def _encoder_inputs(self, feats: list) -> tuple:
        """Flattened projections, positions, reference points and shapes of the encoded levels (coarsest first)."""
        batch_size = feats[0].shape[0]
        inputs, positions, shapes, references = [], [], [], []
        for i in range(self.num_encoder_levels):
            level = self.num_input_levels - i - 1
            feat = feats[level]
            h, w = feat.shape[-2:]
            no_padding = feat.new_zeros((batch_size, h, w), dtype=torch.bool)
            pos = self.postional_encoding(no_padding) + self.level_encoding.weight[i].view(1, -1, 1, 1)
            points = self.point_generator.single_level_grid_priors((h, w), level, device=feat.device)
            references.append(points / (feat.new_tensor([[w, h]]) * self.strides[level]))
            inputs.append(self.input_convs[i](feat).flatten(2).permute(2, 0, 1))
            positions.append(pos.flatten(2).permute(2, 0, 1))
            shapes.append((h, w))
        return inputs, positions, shapes, references

    def forward(self, feats: list) -> tuple[torch.Tensor, list]:
        batch_size = feats[0].shape[0]
        inputs, positions, shapes, references = self._encoder_inputs(feats)
        encoder_inputs = torch.cat(inputs)
        spatial_shapes = torch.as_tensor(shapes, dtype=torch.long, device=encoder_inputs.device)
        level_start_index = torch.cat((spatial_shapes.new_zeros((1, )), spatial_shapes.prod(1).cumsum(0)[:-1]))
        reference_points = torch.cat(references)[None, :, None].repeat(batch_size, 1, self.num_encoder_levels, 1)
        padding_mask = encoder_inputs.new_zeros((batch_size, encoder_inputs.shape[0]), dtype=torch.bool)
        memory = self.encoder(query=encoder_inputs, key=None, value=None, query_pos=torch.cat(positions),
                              key_pos=None, attn_masks=None, key_padding_mask=None,
                              query_key_padding_mask=padding_mask, spatial_shapes=spatial_shapes,
                              reference_points=reference_points, level_start_index=level_start_index)
        memory = memory.permute(1, 2, 0)
        outs = [x.reshape(batch_size, -1, h, w)
                for x, (h, w) in zip(torch.split(memory, [h * w for h, w in shapes], dim=-1), shapes)]
        for k, i in enumerate(range(self.num_input_levels - self.num_encoder_levels - 1, -1, -1)):
            lateral = self.lateral_convs[k](feats[i])
            y = lateral + F.interpolate(outs[-1], size=lateral.shape[-2:], mode='bilinear', align_corners=False)
            outs.append(self.output_convs[k](y))
        return self.mask_feature(outs[-1]), outs[:self.num_outs]
