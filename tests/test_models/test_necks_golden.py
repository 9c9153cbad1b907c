"""Necks against mmdet 2.28.2: BFP (Libra R-CNN's balanced feature pyramid), neck lists (``neck=[FPN, BFP]``),
PAFPN and FPN variants: state-dict names, initialisation and outputs for the same seeded weights
(tests/data/mmdet2282_{bfp,pafpn}_golden.json)."""
import json
from pathlib import Path

import pytest
import torch

from mmlite.models import build_detector, build_neck

from ._tiny import WIDTH, tiny_model_cfg, toy_batch

GOLDEN = {name: json.loads((Path(__file__).parents[1] / 'data' / f'mmdet2282_{name}_golden.json').read_text())
          for name in ('bfp', 'pafpn')}
CASES = [(file, case) for file, golden in GOLDEN.items() for case in range(len(golden['cases']))]


def _randomize(state: dict, generator: torch.Generator) -> None:
    with torch.no_grad():
        for name, value in state.items():
            if not value.dtype.is_floating_point:
                continue
            noise = torch.randn(value.shape, generator=generator) * 0.2
            value.copy_(noise.abs() + 0.5 if 'running_var' in name else noise)


@pytest.mark.parametrize('file, case', CASES, ids=[f'{f}-{GOLDEN[f]["cases"][c][0]}' for f, c in CASES])
def test_matches_mmdet(file, case):
    name, cfg = GOLDEN[file]['cases'][case]
    expected = GOLDEN[file]['expected'][name]
    torch.manual_seed(0)
    neck = build_neck(cfg)
    neck.init_weights()
    neck.eval()
    state = neck.state_dict()
    assert [[k, list(v.shape)] for k, v in state.items()] == expected['keys']
    assert sorted(k for k, v in state.items() if v.dtype.is_floating_point and v.abs().sum() == 0) == expected['zeros']
    generator = torch.Generator().manual_seed(1)
    _randomize(state, generator)
    if isinstance(cfg, list) or cfg['type'] != 'BFP':  # a pyramid built from backbone levels
        inputs = [torch.randn(1, c, 64 // 2**i, 48 // 2**i, generator=generator) for i, c in enumerate([4, 8, 16, 32])]
    else:
        inputs = [torch.randn(2, 8, 40 // 2**i, 30 // 2**i + 1, generator=generator) for i in range(cfg['num_levels'])]
    with torch.no_grad():
        outs = neck(inputs)
    assert [list(y.shape) for y in outs] == expected['shapes']
    assert [float(y.double().sum()) for y in outs] == pytest.approx(expected['sums'], rel=1e-4, abs=1e-4)
    assert [float(y.double().abs().sum()) for y in outs] == pytest.approx(expected['abs'], rel=1e-4, abs=1e-4)


def test_libra_style_neck_trains_in_faster_rcnn():
    cfg = tiny_model_cfg('faster_rcnn')
    cfg['neck'] = [cfg['neck'], dict(type='BFP', in_channels=WIDTH, num_levels=5, refine_level=2,
                                     refine_type='non_local')]
    cfg['roi_head']['bbox_head']['loss_bbox'] = dict(type='BalancedL1Loss', alpha=0.5, gamma=1.5, beta=1.0)
    model = build_detector(cfg).train()
    assert any(k.startswith('neck.1.refine.') for k in model.state_dict())
    batch = toy_batch()
    loss, _ = model._parse_losses(model.forward_train(batch['img'], batch['img_metas'], batch['gt_bboxes'],
                                                      batch['gt_labels']))
    loss.backward()
    assert model.neck[1].refine.conv_out.conv.weight.grad is not None
    with pytest.raises(ValueError, match="refine_type must be None, 'conv' or 'non_local'"):
        build_neck(dict(type='BFP', in_channels=8, num_levels=3, refine_type='gcb'))
