"""``Mask2FormerHead``: MaskFormer's head with masked cross-attention over a multi-scale pixel decoder and
point-sampled mask losses."""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from ...cnn import build_plugin_layer
from ...cnn.transformer_layers import build_positional_encoding, build_transformer_layer_sequence
from ...ops import point_sample
from ...runner import ModuleList
from ...runner.weight_init import caffe2_xavier_init
from ..builder import HEADS
from ..utils import get_uncertain_point_coords_with_randomness
from .base_dense_head import BaseDenseHead
from .maskformer_head import MaskFormerHead


@HEADS.register_module()
class Mask2FormerHead(MaskFormerHead):
    """Mask2Former (Cheng et al., 2022): queries (``query_feat`` content, ``query_embed`` positions) refined by
    ``transformer_decoder`` layers that each attend to one of ``num_transformer_feat_level`` pixel-decoder levels
    in turn, masked to where the previous layer's mask is above 0.5. Class and mask predictions are made before
    the first layer and after every layer (``d0`` .. ``d{L-1}``, then the unprefixed last). Matching and the mask
    losses use ``train_cfg.num_points`` sampled points (random for matching, uncertainty-chosen for the losses;
    ``oversample_ratio``, ``importance_sample_ratio``).

    ``strides`` is accepted as in mmdet's configs and goes to the pixel decoder when it sets none itself.
    """

    def __init__(self, in_channels: list, feat_channels: int, out_channels: int, num_things_classes: int = 80,
                 num_stuff_classes: int = 53, num_queries: int = 100, num_transformer_feat_level: int = 3,
                 pixel_decoder: dict | None = None, enforce_decoder_input_project: bool = False,
                 transformer_decoder: dict | None = None, positional_encoding: dict | None = None,
                 loss_cls: dict | None = None, loss_mask: dict | None = None, loss_dice: dict | None = None,
                 train_cfg=None, test_cfg=None, init_cfg=None, strides: list | None = None, **kwargs):
        BaseDenseHead.__init__(self, init_cfg)
        if kwargs:
            raise TypeError(f'{type(self).__name__} got unexpected keyword argument(s) {sorted(kwargs)}')
        self.num_things_classes, self.num_stuff_classes = num_things_classes, num_stuff_classes
        self.num_classes = num_things_classes + num_stuff_classes
        self.num_queries, self.num_transformer_feat_level = num_queries, num_transformer_feat_level
        self.num_heads = transformer_decoder['transformerlayers']['attn_cfgs']['num_heads']
        self.num_transformer_decoder_layers = transformer_decoder['num_layers']
        levels = pixel_decoder['encoder']['transformerlayers']['attn_cfgs']['num_levels']
        if levels != num_transformer_feat_level:
            raise ValueError(f'{type(self).__name__}: the pixel decoder encodes {levels} levels but '
                             f'num_transformer_feat_level is {num_transformer_feat_level}; make them equal')
        pixel_decoder = dict(pixel_decoder, in_channels=in_channels, feat_channels=feat_channels,
                             out_channels=out_channels)
        if strides is not None:
            pixel_decoder.setdefault('strides', strides)
        self.pixel_decoder = build_plugin_layer(pixel_decoder)[1]
        self.transformer_decoder = build_transformer_layer_sequence(transformer_decoder)
        self.decoder_embed_dims = self.transformer_decoder.embed_dims
        project = self.decoder_embed_dims != feat_channels or enforce_decoder_input_project
        self.decoder_input_projs = ModuleList(
            nn.Conv2d(feat_channels, self.decoder_embed_dims, kernel_size=1) if project else nn.Identity()
            for _ in range(num_transformer_feat_level))
        self.decoder_positional_encoding = build_positional_encoding(positional_encoding)
        self.query_embed = nn.Embedding(self.num_queries, feat_channels)
        self.query_feat = nn.Embedding(self.num_queries, feat_channels)
        self.level_embed = nn.Embedding(self.num_transformer_feat_level, feat_channels)
        self._init_predictors(feat_channels, out_channels, train_cfg, test_cfg, loss_cls, loss_mask, loss_dice)
        if train_cfg:
            self.num_points = train_cfg.get('num_points', 12544)
            self.oversample_ratio = train_cfg.get('oversample_ratio', 3.0)
            self.importance_sample_ratio = train_cfg.get('importance_sample_ratio', 0.75)

    def init_weights(self) -> None:
        for proj in self.decoder_input_projs:
            if isinstance(proj, nn.Conv2d):
                caffe2_xavier_init(proj, bias=0)
        self.pixel_decoder.init_weights()
        for p in self.transformer_decoder.parameters():
            if p.dim() > 1:
                nn.init.xavier_normal_(p)

    def _get_target_single(self, cls_score, mask_pred, gt_labels, gt_masks, img_metas) -> tuple:
        """Match on ``num_points`` random points shared by predictions and ground truths."""
        points = torch.rand((1, self.num_points, 2), device=cls_score.device)
        pred_points = point_sample(mask_pred[:, None], points.repeat(cls_score.shape[0], 1, 1))[:, 0]
        gt_points = point_sample(gt_masks[:, None].float(), points.repeat(gt_labels.shape[0], 1, 1))[:, 0]
        assign_result = self.assigner.assign(cls_score, pred_points, gt_labels, gt_points, img_metas)
        return self._targets_of(self.sampler.sample(assign_result, mask_pred, gt_masks), mask_pred, gt_labels,
                                gt_masks)

    def _mask_losses(self, mask_preds, mask_targets, num_total_masks) -> tuple:
        """``(loss_mask, loss_dice)`` on ``num_points`` points per mask, mostly where the prediction is least
        certain."""
        with torch.no_grad():
            points = get_uncertain_point_coords_with_randomness(mask_preds[:, None], None, self.num_points,
                                                                self.oversample_ratio, self.importance_sample_ratio)
            point_targets = point_sample(mask_targets[:, None].float(), points)[:, 0]
        point_preds = point_sample(mask_preds[:, None], points)[:, 0]
        loss_dice = self.loss_dice(point_preds, point_targets, avg_factor=num_total_masks)
        loss_mask = self.loss_mask(point_preds.reshape(-1), point_targets.reshape(-1),
                                   avg_factor=num_total_masks * self.num_points)
        return loss_mask, loss_dice

    def forward_head(self, decoder_out, mask_feature, attn_mask_target_size) -> tuple:
        """Class logits, mask logits and the next layer's attention mask (True: not attended) of the queries."""
        decoder_out = self.transformer_decoder.post_norm(decoder_out).transpose(0, 1)
        cls_pred = self.cls_embed(decoder_out)
        mask_pred = torch.einsum('bqc,bchw->bqhw', self.mask_embed(decoder_out), mask_feature)
        attn_mask = F.interpolate(mask_pred, attn_mask_target_size, mode='bilinear', align_corners=False)
        attn_mask = attn_mask.flatten(2).unsqueeze(1).repeat((1, self.num_heads, 1, 1)).flatten(0, 1)
        return cls_pred, mask_pred, (attn_mask.sigmoid() < 0.5).detach()

    def forward(self, feats: list, img_metas: list) -> tuple[list, list]:
        """Per prediction step (``num_layers + 1``) the ``(N, queries, C + 1)`` class logits and
        ``(N, queries, H/4, W/4)`` mask logits."""
        batch_size = len(img_metas)
        mask_features, memories = self.pixel_decoder(feats)
        inputs, positions = [], []
        for i in range(self.num_transformer_feat_level):
            inputs.append(self.decoder_input_projs[i](memories[i]).flatten(2).permute(2, 0, 1)
                          + self.level_embed.weight[i].view(1, 1, -1))
            no_padding = memories[i].new_zeros((batch_size, ) + memories[i].shape[-2:], dtype=torch.bool)
            positions.append(self.decoder_positional_encoding(no_padding).flatten(2).permute(2, 0, 1))
        query_feat = self.query_feat.weight[:, None].repeat((1, batch_size, 1))
        query_embed = self.query_embed.weight[:, None].repeat((1, batch_size, 1))
        cls_pred, mask_pred, attn_mask = self.forward_head(query_feat, mask_features, memories[0].shape[-2:])
        cls_preds, mask_preds = [cls_pred], [mask_pred]
        for i, layer in enumerate(self.transformer_decoder.layers):
            level = i % self.num_transformer_feat_level
            attn_mask[torch.where(attn_mask.sum(-1) == attn_mask.shape[-1])] = False  # never mask a whole row
            query_feat = layer(query=query_feat, key=inputs[level], value=inputs[level], query_pos=query_embed,
                               key_pos=positions[level], attn_masks=[attn_mask, None], query_key_padding_mask=None,
                               key_padding_mask=None)
            next_size = memories[(i + 1) % self.num_transformer_feat_level].shape[-2:]
            cls_pred, mask_pred, attn_mask = self.forward_head(query_feat, mask_features, next_size)
            cls_preds.append(cls_pred)
            mask_preds.append(mask_pred)
        return cls_preds, mask_preds
