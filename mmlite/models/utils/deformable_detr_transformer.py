"""Deformable DETR's transformer (mmdet.models.utils names): ``DeformableDetrTransformer`` (multi-level encoder
with deformable attention around reference points; optionally two-stage query selection) and
``DeformableDetrTransformerDecoder`` (iterative box refinement)."""
from __future__ import annotations

import math

import torch
import torch.nn as nn

from ...cnn import xavier_init
from ...cnn.transformer_layers import TRANSFORMER_LAYER_SEQUENCE, TransformerLayerSequence
from ...ops import MultiScaleDeformableAttention
from .builder import TRANSFORMER
from .detr_transformer import Transformer, inverse_sigmoid


@TRANSFORMER_LAYER_SEQUENCE.register_module()
class DeformableDetrTransformerDecoder(TransformerLayerSequence):
    """Decoder whose layers attend around ``reference_points`` (points or boxes, normalised, scaled by each
    level's valid ratio); with ``reg_branches`` each layer refines the references for the next."""

    def __init__(self, *args, return_intermediate: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.return_intermediate = return_intermediate

    def forward(self, query, *args, reference_points=None, valid_ratios=None, reg_branches=None, **kwargs):
        """Returns the outputs and references of every layer (stacked) with ``return_intermediate``, else the
        last ones."""
        output, intermediate, intermediate_references = query, [], []
        for lid, layer in enumerate(self.layers):
            ratios = torch.cat([valid_ratios, valid_ratios], -1) if reference_points.shape[-1] == 4 else valid_ratios
            output = layer(output, *args, reference_points=reference_points[:, :, None] * ratios[:, None], **kwargs)
            if reg_branches is not None:
                reference_points = self._refine(reg_branches[lid](output.permute(1, 0, 2)), reference_points)
            if self.return_intermediate:
                intermediate.append(output)
                intermediate_references.append(reference_points)
        if self.return_intermediate:
            return torch.stack(intermediate), torch.stack(intermediate_references)
        return output, reference_points

    @staticmethod
    def _refine(delta: torch.Tensor, reference_points: torch.Tensor) -> torch.Tensor:
        if reference_points.shape[-1] == 4:
            return (delta + inverse_sigmoid(reference_points)).sigmoid().detach()
        if reference_points.shape[-1] != 2:
            raise ValueError(f'reference_points must end in 2 or 4, got {tuple(reference_points.shape)}')
        return torch.cat([delta[..., :2] + inverse_sigmoid(reference_points), delta[..., 2:]], -1).sigmoid().detach()


@TRANSFORMER.register_module()
class DeformableDetrTransformer(Transformer):
    """Deformable DETR's encoder-decoder over several feature levels (``level_embeds`` tell them apart).

    Args:
        as_two_stage: Queries from the encoder's best-scoring proposals instead of learnt embeddings.
        num_feature_levels: Input levels. Defaults to 4.
        two_stage_num_proposals: Queries taken in two-stage mode. Defaults to 300.
    """

    def __init__(self, as_two_stage: bool = False, num_feature_levels: int = 4, two_stage_num_proposals: int = 300,
                 **kwargs):
        super().__init__(**kwargs)
        self.as_two_stage, self.num_feature_levels = as_two_stage, num_feature_levels
        self.two_stage_num_proposals = two_stage_num_proposals
        self.init_layers()

    def init_layers(self) -> None:
        self.level_embeds = nn.Parameter(torch.Tensor(self.num_feature_levels, self.embed_dims))
        if self.as_two_stage:
            self.enc_output = nn.Linear(self.embed_dims, self.embed_dims)
            self.enc_output_norm = nn.LayerNorm(self.embed_dims)
            self.pos_trans = nn.Linear(self.embed_dims * 2, self.embed_dims * 2)
            self.pos_trans_norm = nn.LayerNorm(self.embed_dims * 2)
        else:
            self.reference_points = nn.Linear(self.embed_dims, 2)

    def init_weights(self) -> None:
        """Xavier-uniform matrices, the deformable attentions' own init, normal level embeddings."""
        for param in self.parameters():
            if param.dim() > 1:
                nn.init.xavier_uniform_(param)
        for module in self.modules():
            if isinstance(module, MultiScaleDeformableAttention):
                module.init_weights()
        if not self.as_two_stage:
            xavier_init(self.reference_points, distribution='uniform', bias=0.)
        nn.init.normal_(self.level_embeds)

    def gen_encoder_output_proposals(self, memory, memory_padding_mask, spatial_shapes) -> tuple:
        """Per encoder position a proposal (its cell centre, side 0.05 * 2^level; unsigmoided, +inf where
        padded or near the border) and the masked, projected memory."""
        batch = memory.shape[0]
        proposals, start = [], 0
        for level, (height, width) in enumerate(spatial_shapes.tolist()):
            mask = memory_padding_mask[:, start:start + height * width].view(batch, height, width, 1)
            valid_h, valid_w = torch.sum(~mask[:, :, 0, 0], 1), torch.sum(~mask[:, 0, :, 0], 1)
            grid_y, grid_x = torch.meshgrid(
                torch.linspace(0, height - 1, height, dtype=torch.float32, device=memory.device),
                torch.linspace(0, width - 1, width, dtype=torch.float32, device=memory.device), indexing='ij')
            grid = torch.cat([grid_x.unsqueeze(-1), grid_y.unsqueeze(-1)], -1)
            scale = torch.cat([valid_w.unsqueeze(-1), valid_h.unsqueeze(-1)], 1).view(batch, 1, 1, 2)
            grid = (grid.unsqueeze(0).expand(batch, -1, -1, -1) + 0.5) / scale
            proposals.append(torch.cat((grid, torch.ones_like(grid) * 0.05 * (2.0 ** level)), -1).view(batch, -1, 4))
            start += height * width
        output_proposals = torch.cat(proposals, 1)
        valid = ((output_proposals > 0.01) & (output_proposals < 0.99)).all(-1, keepdim=True)
        output_proposals = torch.log(output_proposals / (1 - output_proposals))
        output_proposals = output_proposals.masked_fill(memory_padding_mask.unsqueeze(-1), float('inf'))
        output_proposals = output_proposals.masked_fill(~valid, float('inf'))
        output_memory = memory.masked_fill(memory_padding_mask.unsqueeze(-1), 0.).masked_fill(~valid, 0.)
        return self.enc_output_norm(self.enc_output(output_memory)), output_proposals

    @staticmethod
    def get_reference_points(spatial_shapes, valid_ratios, device) -> torch.Tensor:
        """Encoder reference points: every cell centre of every level, normalised by the valid region,
        ``(bs, sum(H*W), levels, 2)``."""
        points = []
        for level, (height, width) in enumerate(spatial_shapes.tolist()):
            ref_y, ref_x = torch.meshgrid(
                torch.linspace(0.5, height - 0.5, height, dtype=torch.float32, device=device),
                torch.linspace(0.5, width - 0.5, width, dtype=torch.float32, device=device), indexing='ij')
            ref_y = ref_y.reshape(-1)[None] / (valid_ratios[:, None, level, 1] * height)
            ref_x = ref_x.reshape(-1)[None] / (valid_ratios[:, None, level, 0] * width)
            points.append(torch.stack((ref_x, ref_y), -1))
        return torch.cat(points, 1)[:, :, None] * valid_ratios[:, None]

    def get_valid_ratio(self, mask: torch.Tensor) -> torch.Tensor:
        """``(w, h)`` fractions of each mask (True at padding) that are valid."""
        _, height, width = mask.shape
        valid_h, valid_w = torch.sum(~mask[:, :, 0], 1), torch.sum(~mask[:, 0, :], 1)
        return torch.stack([valid_w.float() / width, valid_h.float() / height], -1)

    def get_proposal_pos_embed(self, proposals: torch.Tensor, num_pos_feats: int = 128,
                               temperature: float = 10000) -> torch.Tensor:
        """Sine embedding of the sigmoided proposals' 4 coordinates, ``4 * num_pos_feats`` channels."""
        dim_t = torch.arange(num_pos_feats, dtype=torch.float32, device=proposals.device)
        dim_t = temperature ** (2 * (dim_t // 2) / num_pos_feats)
        pos = proposals.sigmoid()[:, :, :, None] * (2 * math.pi) / dim_t
        return torch.stack((pos[:, :, :, 0::2].sin(), pos[:, :, :, 1::2].cos()), dim=4).flatten(2)

    def _flatten_levels(self, mlvl_feats, mlvl_masks, mlvl_pos_embeds) -> tuple:
        feats, masks, pos_embeds, shapes = [], [], [], []
        for level, (feat, mask, pos_embed) in enumerate(zip(mlvl_feats, mlvl_masks, mlvl_pos_embeds)):
            shapes.append(feat.shape[-2:])
            feats.append(feat.flatten(2).transpose(1, 2))
            masks.append(mask.flatten(1))
            pos_embeds.append(pos_embed.flatten(2).transpose(1, 2) + self.level_embeds[level].view(1, 1, -1))
        spatial_shapes = torch.as_tensor(shapes, dtype=torch.long, device=feats[0].device)
        level_start_index = torch.cat((spatial_shapes.new_zeros((1, )), spatial_shapes.prod(1).cumsum(0)[:-1]))
        return torch.cat(feats, 1), torch.cat(masks, 1), torch.cat(pos_embeds, 1), spatial_shapes, level_start_index

    def _two_stage_queries(self, memory, mask_flatten, spatial_shapes, reg_branches, cls_branches) -> tuple:
        output_memory, output_proposals = self.gen_encoder_output_proposals(memory, mask_flatten, spatial_shapes)
        enc_outputs_class = cls_branches[self.decoder.num_layers](output_memory)
        enc_outputs_coord_unact = reg_branches[self.decoder.num_layers](output_memory) + output_proposals
        if self.two_stage_num_proposals > enc_outputs_class.shape[1]:
            raise ValueError(f'DeformableDetrTransformer: two_stage_num_proposals={self.two_stage_num_proposals} '
                             f'exceeds the {enc_outputs_class.shape[1]} encoder positions of this batch (images '
                             'too small for the setting: lower it or use larger inputs)')
        topk_proposals = torch.topk(enc_outputs_class[..., 0], self.two_stage_num_proposals, dim=1)[1]
        topk_coords_unact = torch.gather(enc_outputs_coord_unact, 1,
                                         topk_proposals.unsqueeze(-1).repeat(1, 1, 4)).detach()
        reference_points = topk_coords_unact.sigmoid()
        # 2 * embed_dims features (mmdet: always 4 * 128, which fits embed_dims=256 only)
        pos_embed = self.get_proposal_pos_embed(topk_coords_unact, num_pos_feats=self.embed_dims // 2)
        pos_trans_out = self.pos_trans_norm(self.pos_trans(pos_embed))
        query_pos, query = torch.split(pos_trans_out, memory.shape[-1], dim=2)
        return query_pos, query, reference_points, enc_outputs_class, enc_outputs_coord_unact

    def forward(self, mlvl_feats, mlvl_masks, query_embed, mlvl_pos_embeds, reg_branches=None, cls_branches=None,
                **kwargs) -> tuple:
        """Returns the decoder states ``(layers, queries, bs, dims)``, the initial and per-layer references and,
        in two-stage mode, the encoder's class scores and unsigmoided boxes (else None, None)."""
        if not self.as_two_stage and query_embed is None:
            raise ValueError('DeformableDetrTransformer needs query_embed unless as_two_stage=True')
        feat_flatten, mask_flatten, pos_flatten, spatial_shapes, level_start_index = self._flatten_levels(
            mlvl_feats, mlvl_masks, mlvl_pos_embeds)
        valid_ratios = torch.stack([self.get_valid_ratio(m) for m in mlvl_masks], 1)
        reference_points = self.get_reference_points(spatial_shapes, valid_ratios, device=feat_flatten.device)
        memory = self.encoder(query=feat_flatten.permute(1, 0, 2), key=None, value=None,
                              query_pos=pos_flatten.permute(1, 0, 2), query_key_padding_mask=mask_flatten,
                              spatial_shapes=spatial_shapes, reference_points=reference_points,
                              level_start_index=level_start_index, valid_ratios=valid_ratios, **kwargs)
        memory = memory.permute(1, 0, 2)
        enc_outputs = (None, None)
        if self.as_two_stage:
            query_pos, query, reference_points, *enc_outputs = self._two_stage_queries(
                memory, mask_flatten, spatial_shapes, reg_branches, cls_branches)
        else:
            query_pos, query = torch.split(query_embed, memory.shape[-1], dim=1)
            query_pos = query_pos.unsqueeze(0).expand(memory.shape[0], -1, -1)
            query = query.unsqueeze(0).expand(memory.shape[0], -1, -1)
            reference_points = self.reference_points(query_pos).sigmoid()
        inter_states, inter_references = self.decoder(
            query=query.permute(1, 0, 2), key=None, value=memory.permute(1, 0, 2),
            query_pos=query_pos.permute(1, 0, 2), key_padding_mask=mask_flatten, reference_points=reference_points,
            spatial_shapes=spatial_shapes, level_start_index=level_start_index, valid_ratios=valid_ratios,
            reg_branches=reg_branches, **kwargs)
        return (inter_states, reference_points, inter_references, *enc_outputs)
