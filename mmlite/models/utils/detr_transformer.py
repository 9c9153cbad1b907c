"""DETR's transformer (mmdet.models.utils names): ``Transformer`` (encoder over the flattened feature map,
decoder over the object queries), ``DetrTransformerEncoder``, ``DetrTransformerDecoder`` and
``DetrTransformerDecoderLayer``; and ``inverse_sigmoid``."""
from __future__ import annotations

import torch
import torch.nn as nn

from ...cnn import build_norm_layer, xavier_init
from ...cnn.transformer_layers import (TRANSFORMER_LAYER, TRANSFORMER_LAYER_SEQUENCE, BaseTransformerLayer,
                                       TransformerLayerSequence, build_transformer_layer_sequence)
from ...runner import BaseModule
from .builder import TRANSFORMER


def inverse_sigmoid(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """``log(x / (1 - x))`` of ``x`` clamped to ``[0, 1]``, both terms at least ``eps``."""
    x = x.clamp(min=0, max=1)
    return torch.log(x.clamp(min=eps) / (1 - x).clamp(min=eps))


@TRANSFORMER_LAYER.register_module()
class DetrTransformerDecoderLayer(BaseTransformerLayer):
    """A DETR decoder layer: self-attention, cross-attention and an FFN, each followed or preceded by a norm
    (six operations). The FFN is given by mmcv's older keywords."""

    def __init__(self, attn_cfgs, feedforward_channels: int, ffn_dropout: float = 0.0,
                 operation_order: tuple | None = None,
                 act_cfg=dict(type='ReLU', inplace=True), norm_cfg=dict(type='LN'),  # noqa: B006
                 ffn_num_fcs: int = 2, **kwargs):
        if operation_order is None or len(operation_order) != 6 or \
                set(operation_order) != {'self_attn', 'norm', 'cross_attn', 'ffn'}:
            raise ValueError('DetrTransformerDecoderLayer.operation_order must hold self_attn, cross_attn, ffn '
                             f'and three norms, got {operation_order!r}')
        super().__init__(attn_cfgs=attn_cfgs, feedforward_channels=feedforward_channels, ffn_dropout=ffn_dropout,
                         operation_order=operation_order, act_cfg=act_cfg, norm_cfg=norm_cfg,
                         ffn_num_fcs=ffn_num_fcs, **kwargs)


def _post_norm(cfg, embed_dims: int):
    return build_norm_layer(cfg, embed_dims)[1] if cfg is not None else None


@TRANSFORMER_LAYER_SEQUENCE.register_module()
class DetrTransformerEncoder(TransformerLayerSequence):
    """DETR's encoder; pre-norm layers get a final ``post_norm``."""

    def __init__(self, *args, post_norm_cfg=dict(type='LN'), **kwargs):  # noqa: B006
        super().__init__(*args, **kwargs)
        if post_norm_cfg is None and self.pre_norm:
            raise ValueError('DetrTransformerEncoder: pre-norm layers need a post_norm_cfg')
        self.post_norm = _post_norm(post_norm_cfg, self.embed_dims) if self.pre_norm else None

    def forward(self, *args, **kwargs) -> torch.Tensor:
        x = super().forward(*args, **kwargs)
        return x if self.post_norm is None else self.post_norm(x)


@TRANSFORMER_LAYER_SEQUENCE.register_module()
class DetrTransformerDecoder(TransformerLayerSequence):
    """DETR's decoder: with ``return_intermediate`` every layer's (post-normed) output, stacked
    ``(num_layers, num_query, bs, dims)``; else the last one's, ``(1, ...)`` (without a post norm: unstacked)."""

    def __init__(self, *args, post_norm_cfg=dict(type='LN'), return_intermediate: bool = False,  # noqa: B006
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.return_intermediate = return_intermediate
        self.post_norm = _post_norm(post_norm_cfg, self.embed_dims)

    def forward(self, query: torch.Tensor, *args, **kwargs) -> torch.Tensor:
        if not self.return_intermediate:
            x = super().forward(query, *args, **kwargs)
            return self.post_norm(x)[None] if self.post_norm is not None else x
        intermediate = []
        for layer in self.layers:
            query = layer(query, *args, **kwargs)
            intermediate.append(query if self.post_norm is None else self.post_norm(query))
        return torch.stack(intermediate)


@TRANSFORMER.register_module()
class Transformer(BaseModule):
    """DETR's encoder-decoder: the encoder attends over the flattened feature map (with its positional
    encoding and padding mask), the decoder turns zero targets with ``query_embed`` positions into per-query
    features.

    Args:
        encoder / decoder: ``TRANSFORMER_LAYER_SEQUENCE`` configs.
    """

    def __init__(self, encoder=None, decoder=None, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.encoder = build_transformer_layer_sequence(encoder)
        self.decoder = build_transformer_layer_sequence(decoder)
        self.embed_dims = self.encoder.embed_dims

    def init_weights(self) -> None:
        """Xavier-uniform weights for every module whose ``weight`` has more than one dimension."""
        for module in self.modules():
            if isinstance(getattr(module, 'weight', None), nn.Parameter) and module.weight.dim() > 1:
                xavier_init(module, distribution='uniform')
        self._is_init = True

    def forward(self, x: torch.Tensor, mask: torch.Tensor, query_embed: torch.Tensor,
                pos_embed: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``x``/``pos_embed``: ``(bs, c, h, w)``; ``mask``: ``(bs, h, w)``, True at padding; ``query_embed``:
        ``(num_query, c)``. Returns the decoder outputs ``(num_layers, bs, num_query, c)`` and the encoder's
        memory ``(bs, c, h, w)``."""
        bs, c, h, w = x.shape
        x = x.view(bs, c, -1).permute(2, 0, 1)
        pos_embed = pos_embed.view(bs, c, -1).permute(2, 0, 1)
        query_embed = query_embed.unsqueeze(1).repeat(1, bs, 1)
        mask = mask.view(bs, -1)
        memory = self.encoder(query=x, key=None, value=None, query_pos=pos_embed, query_key_padding_mask=mask)
        out_dec = self.decoder(query=torch.zeros_like(query_embed), key=memory, value=memory, key_pos=pos_embed,
                               query_pos=query_embed, key_padding_mask=mask)
        return out_dec.transpose(1, 2), memory.permute(1, 2, 0).reshape(bs, c, h, w)
