"""mmdet 1.x-compatible models (``legacy_1.x`` configs: LegacyAnchorGenerator, LegacyDeltaXYWHBBoxCoder,
unaligned RoIAlign) against mmdet 2.28.2 (tests/data/mmdet2282_legacy_v1_golden.json)."""
import json
import os.path as osp

import numpy as np
import pytest
import torch

from mmlite.core.anchor import LegacyAnchorGenerator, LegacySSDAnchorGenerator
from mmlite.core.bbox import LegacyDeltaXYWHBBoxCoder
from mmlite.models import build_detector
from mmlite.utils import Config

from ._tiny import CONFIGS, LEGACY_V1, tiny_model_cfg
from .test_mmdet_golden import GOLDEN, assert_log_vars_match, golden_training_log_vars

V1 = json.load(open(osp.join(osp.dirname(__file__), '..', 'data', 'mmdet2282_legacy_v1_golden.json')))


def _model(name):
    cfg = tiny_model_cfg(name)
    test_cfg = cfg['test_cfg']
    if 'rcnn' in test_cfg:
        test_cfg['rcnn']['max_per_img'], test_cfg['rpn']['max_per_img'] = 20, 300
    else:
        test_cfg['max_per_img'] = 20
    model = build_detector(cfg)
    source = GOLDEN['weights']['retinanet' if 'retina' in name else 'two_stage']
    own = model.state_dict()
    model.load_state_dict({k: source[k].to(v.dtype) for k, v in own.items()}, strict=True)
    return model


@pytest.mark.parametrize('name', sorted(LEGACY_V1))
def test_configs_detections_and_losses_match_mmdet(name):
    expected = V1['models'][name]
    assert json.loads(json.dumps(Config.fromfile(osp.join(CONFIGS, LEGACY_V1[name])).model.to_dict())) == \
        expected['config']
    model = _model(name).eval()
    with torch.no_grad():
        results = model.simple_test(GOLDEN['img'], [dict(m, scale_factor=np.array(m['scale_factor'], np.float32))
                                                    for m in GOLDEN['metas']], rescale=True)
    for mine, theirs in zip(results, expected['simple_test']):
        mine = mine[0] if isinstance(mine, tuple) else mine
        assert sum(len(d) for d in mine) > 0
        for dets, ref in zip(mine, theirs):
            np.testing.assert_allclose(dets, np.array(ref, dtype=np.float32).reshape(-1, 5), rtol=1e-4, atol=2e-3)
    log_vars = golden_training_log_vars(model.train(), with_masks=name == 'mask_rcnn_v1')
    assert_log_vars_match(log_vars, expected['log_vars'])


def test_legacy_geometry_counts_pixels():
    anchors = LegacyAnchorGenerator(strides=[4], ratios=[1.0], scales=[8], center_offset=0.5).base_anchors[0]
    assert anchors.tolist() == [[-14., -14., 17., 17.]]  # 32 pixels wide, centred at 1.5, corners rounded
    coder = LegacyDeltaXYWHBBoxCoder()
    boxes = torch.tensor([[0., 0., 9., 19.]])
    gts = torch.tensor([[2., 1., 13., 20.]])
    deltas = coder.encode(boxes, gts)
    assert deltas[0].tolist() == pytest.approx([0.3, 0.05, np.log(12 / 10), 0.0], abs=1e-6)  # +1 sizes: 10 x 20
    # decoding does not take the +1 back: boxes return half a pixel wider on each side, as in mmdet 1.x
    assert coder.decode(boxes, deltas)[0].tolist() == pytest.approx([1.5, 0.5, 13.5, 20.5], abs=1e-5)
    assert coder.decode(boxes, deltas, max_shape=(15, 12))[0].tolist() == pytest.approx([1.5, 0.5, 11., 14.])
    ssd = LegacySSDAnchorGenerator(strides=[8, 16, 32, 64, 100, 300], ratios=[[2], [2, 3], [2, 3], [2, 3], [2], [2]],
                                   basesize_ratio_range=(0.15, 0.9))
    # centre (8 - 1) / 2, side 21 - 1, corners rounded half to even
    assert ssd.centers[0] == (3.5, 3.5) and ssd.base_anchors[0][0].tolist() == [-6., -6., 14., 14.]
