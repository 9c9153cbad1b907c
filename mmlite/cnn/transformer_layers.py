"""mmcv's configurable transformer layers (``mmcv.cnn.bricks.transformer``): the ``ATTENTION``,
``FEEDFORWARD_NETWORK``, ``POSITIONAL_ENCODING``, ``TRANSFORMER_LAYER`` and ``TRANSFORMER_LAYER_SEQUENCE``
registries with their builders, ``BaseTransformerLayer`` (attentions, FFNs and norms run in a configured
order) and ``TransformerLayerSequence`` (a stack of such layers)."""
from __future__ import annotations

import copy
import warnings

import torch

from ..runner import BaseModule, ModuleList
from ..utils import Registry, build_from_cfg
from .layer_builders import build_norm_layer
from .transformer import FFN, MultiheadAttention

ATTENTION = Registry('attention')
FEEDFORWARD_NETWORK = Registry('feed-forward network')
POSITIONAL_ENCODING = Registry('positional encoding')
TRANSFORMER_LAYER = Registry('transformer layer')
TRANSFORMER_LAYER_SEQUENCE = Registry('transformer-layer sequence')
ATTENTION.register_module(module=MultiheadAttention)
FEEDFORWARD_NETWORK.register_module(module=FFN)

OPERATIONS = ('self_attn', 'cross_attn', 'norm', 'ffn')
# BaseTransformerLayer keywords of mmcv < 1.3.17 that now belong to the FFN config
_LEGACY_FFN_ARGS = {'feedforward_channels': 'feedforward_channels', 'ffn_dropout': 'ffn_drop',
                    'ffn_num_fcs': 'num_fcs', 'act_cfg': 'act_cfg'}


def build_positional_encoding(cfg: dict, default_args: dict | None = None):
    """A positional encoding from ``POSITIONAL_ENCODING``."""
    return build_from_cfg(cfg, POSITIONAL_ENCODING, default_args)


def build_attention(cfg: dict, default_args: dict | None = None):
    """An attention module from ``ATTENTION``."""
    return build_from_cfg(cfg, ATTENTION, default_args)


def build_feedforward_network(cfg: dict, default_args: dict | None = None):
    """A feed-forward network from ``FEEDFORWARD_NETWORK``."""
    return build_from_cfg(cfg, FEEDFORWARD_NETWORK, default_args)


def build_transformer_layer(cfg: dict, default_args: dict | None = None):
    """A transformer layer from ``TRANSFORMER_LAYER``."""
    return build_from_cfg(cfg, TRANSFORMER_LAYER, default_args)


def build_transformer_layer_sequence(cfg: dict, default_args: dict | None = None):
    """An encoder or decoder from ``TRANSFORMER_LAYER_SEQUENCE``."""
    return build_from_cfg(cfg, TRANSFORMER_LAYER_SEQUENCE, default_args)


def _per_item(cfgs, count: int, what: str) -> list:
    """``cfgs`` as ``count`` configs: one dict repeated (deep copies), or a list of exactly ``count``."""
    if isinstance(cfgs, dict):
        return [copy.deepcopy(dict(cfgs)) for _ in range(count)]
    if not isinstance(cfgs, (list, tuple)) or len(cfgs) != count:
        raise ValueError(f'{what}: expected one dict or a list of {count} (one per use in operation_order), '
                         f'got {cfgs!r}')
    return [copy.deepcopy(dict(cfg)) for cfg in cfgs]


class BaseTransformerLayer(BaseModule):
    """A transformer layer running ``operation_order`` (e.g. ``('self_attn', 'norm', 'ffn', 'norm')``; a
    leading ``'norm'`` makes it pre-norm, where attentions and FFNs add the pre-norm input as residual).

    Args:
        attn_cfgs: One attention config (repeated) or one per attention in ``operation_order``.
        ffn_cfgs: One FFN config (repeated) or one per ``'ffn'``; ``embed_dims`` defaults to the attention's.
        operation_order: Sequence of ``'self_attn'``, ``'cross_attn'``, ``'norm'``, ``'ffn'``.
        norm_cfg: Norm layer config. Defaults to LayerNorm.
        batch_first: Inputs are ``(batch, n, embed_dims)`` instead of ``(n, batch, embed_dims)``.
        feedforward_channels / ffn_dropout / ffn_num_fcs / act_cfg: mmcv's older FFN keywords (deprecated;
            they set the FFN config's ``feedforward_channels`` / ``ffn_drop`` / ``num_fcs`` / ``act_cfg``).
    """

    def __init__(self, attn_cfgs=None,
                 ffn_cfgs=dict(type='FFN', embed_dims=256, feedforward_channels=1024, num_fcs=2,  # noqa: B006
                               ffn_drop=0., act_cfg=dict(type='ReLU', inplace=True)),
                 operation_order: tuple | None = None, norm_cfg=dict(type='LN'),  # noqa: B006
                 init_cfg=None, batch_first: bool = False, **kwargs):
        super().__init__(init_cfg)
        ffn_cfgs = self._absorb_legacy_ffn_args(ffn_cfgs, kwargs)
        if not operation_order or not set(operation_order) <= set(OPERATIONS):
            raise ValueError(f'{type(self).__name__}.operation_order must be a sequence of {list(OPERATIONS)}, '
                             f'got {operation_order!r}')
        self.batch_first, self.operation_order, self.norm_cfg = batch_first, tuple(operation_order), norm_cfg
        self.pre_norm = operation_order[0] == 'norm'
        self.num_attn = sum(op in ('self_attn', 'cross_attn') for op in operation_order)
        self.attentions = ModuleList()
        attn_names = [op for op in operation_order if op in ('self_attn', 'cross_attn')]
        for name, cfg in zip(attn_names, _per_item(attn_cfgs, self.num_attn, 'attn_cfgs')):
            if cfg.setdefault('batch_first', batch_first) != batch_first:
                raise ValueError(f'attn_cfgs: batch_first={cfg["batch_first"]} differs from the layer\'s '
                                 f'batch_first={batch_first}')
            attention = build_attention(cfg)
            attention.operation_name = name
            self.attentions.append(attention)
        self.embed_dims = self.attentions[0].embed_dims
        self.ffns = ModuleList()
        for cfg in _per_item(ffn_cfgs, operation_order.count('ffn'), 'ffn_cfgs'):
            if cfg.setdefault('embed_dims', self.embed_dims) != self.embed_dims:
                raise ValueError(f'ffn_cfgs: embed_dims={cfg["embed_dims"]} differs from the attention\'s '
                                 f'{self.embed_dims}')
            self.ffns.append(build_feedforward_network(cfg, dict(type='FFN')))
        self.norms = ModuleList([build_norm_layer(norm_cfg, self.embed_dims)[1]
                                 for _ in range(operation_order.count('norm'))])

    def _absorb_legacy_ffn_args(self, ffn_cfgs, kwargs: dict):
        legacy = {key: kwargs.pop(key) for key in list(kwargs) if key in _LEGACY_FFN_ARGS}
        if kwargs:
            raise TypeError(f'{type(self).__name__} got unexpected keyword argument(s) {sorted(kwargs)}')
        if not legacy:
            return ffn_cfgs
        if set(legacy) - {'act_cfg'}:
            warnings.warn(f'{type(self).__name__}({", ".join(sorted(legacy))}=...) is deprecated: set them in '
                          f'ffn_cfgs as {", ".join(sorted(_LEGACY_FFN_ARGS[k] for k in legacy))}',
                          DeprecationWarning)
        update = {_LEGACY_FFN_ARGS[key]: value for key, value in legacy.items()}
        if isinstance(ffn_cfgs, dict):
            return dict(ffn_cfgs, **update)
        return [dict(cfg, **update) for cfg in ffn_cfgs]

    def _attn_masks(self, attn_masks) -> list:
        if attn_masks is None:
            return [None] * self.num_attn
        if isinstance(attn_masks, torch.Tensor):
            warnings.warn(f'{type(self).__name__}: one attn_mask is used for all its attentions')
            return [attn_masks] * self.num_attn
        if len(attn_masks) != self.num_attn:
            raise ValueError(f'{type(self).__name__}: {len(attn_masks)} attn_masks for {self.num_attn} attentions')
        return list(attn_masks)

    def forward(self, query: torch.Tensor, key: torch.Tensor | None = None, value: torch.Tensor | None = None,
                query_pos: torch.Tensor | None = None, key_pos: torch.Tensor | None = None, attn_masks=None,
                query_key_padding_mask: torch.Tensor | None = None,
                key_padding_mask: torch.Tensor | None = None, **kwargs) -> torch.Tensor:
        """``query`` through the operations; self-attention attends over the queries (``query_pos``,
        ``query_key_padding_mask``), cross-attention over ``key``/``value`` (``key_pos``, ``key_padding_mask``);
        extra keywords go to every attention."""
        attn_masks = self._attn_masks(attn_masks)
        norms, attentions, ffns = iter(self.norms), iter(enumerate(self.attentions)), iter(self.ffns)
        identity = query
        for operation in self.operation_order:
            if operation == 'norm':
                query = next(norms)(query)
                continue
            residual = identity if self.pre_norm else None
            if operation == 'ffn':
                query = next(ffns)(query, residual)
                continue
            index, attention = next(attentions)
            if operation == 'self_attn':
                query = attention(query, query, query, residual, query_pos=query_pos, key_pos=query_pos,
                                  attn_mask=attn_masks[index], key_padding_mask=query_key_padding_mask, **kwargs)
            else:
                query = attention(query, key, value, residual, query_pos=query_pos, key_pos=key_pos,
                                  attn_mask=attn_masks[index], key_padding_mask=key_padding_mask, **kwargs)
            identity = query
        return query


class TransformerLayerSequence(BaseModule):
    """``num_layers`` transformer layers applied in turn (an encoder or a decoder).

    Args:
        transformerlayers: One layer config (repeated) or a list of ``num_layers``.
        num_layers: Number of layers.
    """

    def __init__(self, transformerlayers=None, num_layers: int | None = None, init_cfg=None):
        super().__init__(init_cfg)
        if isinstance(transformerlayers, dict):
            transformerlayers = [copy.deepcopy(transformerlayers) for _ in range(num_layers or 0)]
        if not isinstance(transformerlayers, (list, tuple)) or len(transformerlayers) != num_layers:
            raise ValueError(f'{type(self).__name__}: transformerlayers must be one dict or a list of num_layers='
                             f'{num_layers} configs, got {transformerlayers!r}')
        self.num_layers = num_layers
        self.layers = ModuleList([build_transformer_layer(cfg) for cfg in transformerlayers])
        self.embed_dims, self.pre_norm = self.layers[0].embed_dims, self.layers[0].pre_norm

    def forward(self, query: torch.Tensor, key: torch.Tensor | None, value: torch.Tensor | None,
                query_pos: torch.Tensor | None = None, key_pos: torch.Tensor | None = None, attn_masks=None,
                query_key_padding_mask: torch.Tensor | None = None,
                key_padding_mask: torch.Tensor | None = None, **kwargs) -> torch.Tensor:
        """``query`` through every layer (the other arguments as :meth:`BaseTransformerLayer.forward`)."""
        for layer in self.layers:
            query = layer(query, key, value, query_pos=query_pos, key_pos=key_pos, attn_masks=attn_masks,
                          query_key_padding_mask=query_key_padding_mask, key_padding_mask=key_padding_mask,
                          **kwargs)
        return query


TRANSFORMER_LAYER.register_module(module=BaseTransformerLayer)
TRANSFORMER_LAYER_SEQUENCE.register_module(module=TransformerLayerSequence)
