"""DETR and Deformable DETR (plain, box refinement, two-stage): same configs, layouts, detections and losses as
mmdet 2.28.2.

tests/data/mmdet2282_{name}_golden.pth were written by mmdet 2.28.2 (CPU) on the shipped configs shrunk by
``_tiny.tiny_detr_cfg``: the backbone weights of mmdet2282_tiny_golden.pth, the rest random (float16); the second
golden image's ``img_shape`` 80x100 in the 96x128 batch (padding masked). ``simple_test`` results, ``forward_train``
losses (every decoder layer's, and the two-stage encoder's), also with an image without objects. (For the 16-wide
two-stage model mmdet's proposal embedding was given embed_dims // 2 features per coordinate, mmlite's rule; mmdet
hard-codes 128, the same at its 256.)
mmdet2282_{name}_layout.json: the merged config and the full-size layout.
"""
import json
import os.path as osp
import warnings

import numpy as np
import pytest
import torch

from mmlite.cnn import build_transformer_layer
from mmlite.models import build_detector

from ._tiny import CONFIGS, DETR, assert_config_and_layout, load_weights, tiny_detr_cfg
from .test_mmdet_golden import GOLDEN, _assert_dets_equal, assert_log_vars_match, tie_order

DATA = osp.join(osp.dirname(__file__), '..', 'data')
NAMES = ('detr', 'deformable_detr', 'deformable_detr_refine', 'deformable_detr_twostage')
RECORDED = {name: torch.load(osp.join(DATA, f'mmdet2282_{name}_golden.pth'), weights_only=True) for name in NAMES}


def _metas():
    metas = [dict(m, scale_factor=np.array(m['scale_factor'], dtype=np.float32), batch_input_shape=(96, 128))
             for m in GOLDEN['metas']]
    metas[1]['img_shape'] = (80, 100, 3)
    return metas


def _model(name: str = 'detr'):
    backbone = {k: v for k, v in GOLDEN['weights']['two_stage'].items() if k.startswith('backbone.')}
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', DeprecationWarning)
        return load_weights(build_detector(tiny_detr_cfg(name)), backbone, RECORDED[name]['weights'])


@pytest.mark.parametrize('name', NAMES)
def test_config_and_layout_match_mmdet(name):
    layout = json.load(open(osp.join(DATA, f'mmdet2282_{name}_layout.json')))
    assert_config_and_layout(osp.join(CONFIGS, DETR[name]), layout)


@pytest.mark.parametrize('name', NAMES)
def test_detections_match_mmdet(name):
    with torch.no_grad():
        results = _model(name).eval().simple_test(GOLDEN['img'], _metas(), rescale=True)
    for mine, theirs in zip(results, RECORDED[name]['model']['simple_test']):
        assert sum(len(d) for d in mine) == 10
        _assert_dets_equal([d.numpy() for d in tie_order(mine)[0]], tie_order(theirs)[0])


@pytest.mark.parametrize('name', NAMES)
def test_training_losses_of_every_decoder_layer_match_mmdet(name):
    model = _model(name).train()
    losses = model.forward_train(GOLDEN['img'], _metas(), gt_bboxes=GOLDEN['gt_bboxes'], gt_labels=GOLDEN['gt_labels'])
    expected = {'loss_cls', 'loss_bbox', 'loss_iou', 'd0.loss_cls', 'd0.loss_bbox', 'd0.loss_iou'}
    if name.endswith('twostage'):
        expected |= {'enc_loss_cls', 'enc_loss_bbox', 'enc_loss_iou'}
    assert set(losses) == expected
    assert_log_vars_match(model._parse_losses(losses)[1], RECORDED[name]['model']['log_vars'])
    losses = model.forward_train(GOLDEN['img'], _metas(), gt_bboxes=[GOLDEN['gt_bboxes'][0], torch.zeros(0, 4)],
                                 gt_labels=[GOLDEN['gt_labels'][0], torch.zeros(0, dtype=torch.long)])
    assert_log_vars_match(model._parse_losses(losses)[1], RECORDED[name]['model']['empty_log_vars'])
    model._parse_losses(losses)[0].backward()
    head, decoder = model.bbox_head, model.bbox_head.transformer.decoder
    params = [head.transformer.encoder.layers[0].ffns[0].layers[0][0].weight,
              decoder.layers[1].attentions[0].attn.in_proj_weight]
    if name == 'detr':
        params += [head.query_embedding.weight, head.input_proj.weight,
                   decoder.layers[1].attentions[1].attn.in_proj_weight]
    else:
        params += [decoder.layers[1].attentions[1].sampling_offsets.weight, model.neck.convs[0].conv.weight,
                   head.transformer.level_embeds]
    for param in params:
        assert param.grad is not None and param.grad.abs().sum() > 0


def test_version_1_checkpoints_are_renamed():
    model = _model()
    state = model.state_dict()
    old = {k.replace('.attentions.0.', '.self_attn.').replace('.ffns.0.', '.ffn.')
           .replace('.attentions.1.', '.multihead_attn.').replace('.decoder.post_norm.', '.decoder.norm.'): v
           for k, v in state.items()}
    assert any('.self_attn.' in k for k in old) and any('.decoder.norm.' in k for k in old)
    metadata = getattr(state, '_metadata')
    old = type(state)(old)
    old._metadata = {k: dict(v, version=1) if k == 'bbox_head' else v for k, v in metadata.items()}
    fresh = build_detector(tiny_detr_cfg('detr'))
    fresh.load_state_dict(old, strict=True)
    assert torch.equal(fresh.bbox_head.transformer.decoder.post_norm.weight,
                       model.bbox_head.transformer.decoder.post_norm.weight)


def test_head_checks_and_clamps():
    cfg = tiny_detr_cfg('detr')
    cfg['train_cfg']['assigner']['reg_cost']['weight'] = 4.0
    with pytest.raises(ValueError, match='reg_cost.weight'):
        build_detector(cfg)
    cfg = tiny_detr_cfg('detr')
    cfg['test_cfg']['max_per_img'] = 100  # more than the 10 queries: mmdet's topk failed; all 10 come back
    model = load_weights(build_detector(cfg), _model().state_dict()).eval()
    with torch.no_grad():
        results = model.simple_test(GOLDEN['img'], _metas(), rescale=True)
    assert sum(len(d) for d in results[0]) == 10
    with pytest.raises(KeyError, match='batch_input_shape'):
        model.simple_test(GOLDEN['img'], [{k: v for k, v in m.items() if k != 'batch_input_shape'} for m in _metas()])


def test_transformer_layer_config_errors_and_prenorm():
    attn = dict(type='MultiheadAttention', embed_dims=8, num_heads=2)
    with pytest.raises(ValueError, match='operation_order'):
        build_transformer_layer(dict(type='BaseTransformerLayer', attn_cfgs=attn, operation_order=('attn', )))
    with pytest.raises(ValueError, match='attn_cfgs'):
        build_transformer_layer(dict(type='BaseTransformerLayer', attn_cfgs=[attn, attn],
                                     ffn_cfgs=dict(embed_dims=8), operation_order=('self_attn', 'ffn')))
    with pytest.raises(TypeError, match='unexpected'):
        build_transformer_layer(dict(type='BaseTransformerLayer', attn_cfgs=attn, ffn_cfgs=dict(embed_dims=8),
                                     operation_order=('self_attn', 'ffn'), bogus=1))
    layer = build_transformer_layer(dict(type='BaseTransformerLayer', attn_cfgs=attn, batch_first=True,
                                         ffn_cfgs=dict(embed_dims=8, feedforward_channels=16),
                                         operation_order=('norm', 'self_attn', 'norm', 'ffn')))
    assert layer.pre_norm and layer.attentions[0].batch_first
    query = torch.randn(2, 5, 8)
    with torch.no_grad():
        normed = layer.norms[0](query)
        attended = query + layer.attentions[0].attend(normed, normed, normed)
        expected = attended + layer.ffns[0].layers(layer.norms[1](attended))
        assert torch.allclose(layer(query), expected, atol=1e-6)


def test_deformable_initialisation_and_shared_branches():
    from mmlite.ops import MultiScaleDeformableAttention
    attn = MultiScaleDeformableAttention(embed_dims=16, num_heads=4, num_levels=2, num_points=3)
    bias = attn.sampling_offsets.bias.view(4, 2, 3, 2)
    rays = torch.tensor([[1., 0.], [0., 1.], [-1., 0.], [0., -1.]])  # one direction per head, point i at i + 1
    assert torch.allclose(bias, rays[:, None, None] * torch.arange(1., 4.).view(1, 1, 3, 1), atol=1e-6)
    assert attn.sampling_offsets.weight.abs().sum() == 0 and attn.attention_weights.weight.abs().sum() == 0
    plain, refine = (build_detector(tiny_detr_cfg(n)).bbox_head for n in ('deformable_detr', 'deformable_detr_refine'))
    for head in (plain, refine):
        head.init_weights()
        assert torch.all(head.reg_branches[0][-1].bias[2:] == -2.0)
        assert abs(float(head.cls_branches[1].bias[0]) - float(-np.log(99))) < 1e-6
    assert plain.cls_branches[0] is plain.cls_branches[1] and refine.cls_branches[0] is not refine.cls_branches[1]
