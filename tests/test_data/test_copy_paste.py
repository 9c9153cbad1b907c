"""``CopyPaste`` against mmdet 2.28.2 (tests/data/mmdet2282_copy_paste_golden.pth: synthetic 60x80 image pairs with
0-6 objects, with masks and with boxes only, the transform run after ``np.random.seed(seed)``), and the
simple_copy_paste/ and common/ssj configs (mmdet2282_copy_paste_configs.json: mmdet's, merged)."""
import json
import os.path as osp

import numpy as np
import pytest
import torch

from mmlite.core.mask import BitmapMasks
from mmlite.datasets.pipelines import CopyPaste

from ..test_models._tiny import CONFIGS, merged_config

CASES = torch.load(osp.join(osp.dirname(__file__), '..', 'data', 'mmdet2282_copy_paste_golden.pth'), weights_only=True)


def _unpack(packed: dict) -> np.ndarray:
    shape = packed['shape']
    return np.unpackbits(packed['packed'].numpy())[:int(np.prod(shape))].reshape(shape)


def _results(part: dict) -> dict:
    out = dict(img=part['img'].numpy(), gt_bboxes=part['gt_bboxes'].numpy(), gt_labels=part['gt_labels'].numpy())
    if part.get('gt_masks') is not None:
        masks = _unpack(part['gt_masks'])
        out['gt_masks'] = BitmapMasks(masks, *masks.shape[1:])
    return out


@pytest.mark.parametrize('case', CASES, ids=lambda c: f'seed{c["seed"]}_{"masks" if c["with_masks"] else "boxes"}')
def test_copy_paste_matches_mmdet(case):
    dst, src = _results(case['dst']), _results(case['src'])
    np.random.seed(case['seed'])
    out = CopyPaste()(dict(dst, mix_results=[src]))
    expected = case['out']
    assert out['img'].dtype == dst['img'].dtype  # mmdet returned int64/float64 images
    np.testing.assert_array_equal(out['img'], expected['img'].numpy())
    np.testing.assert_array_equal(out['gt_bboxes'], expected['gt_bboxes'].numpy())
    np.testing.assert_array_equal(out['gt_labels'], expected['gt_labels'].numpy())
    if case['with_masks']:
        np.testing.assert_array_equal(out['gt_masks'].masks, _unpack(expected['gt_masks']))
    else:
        assert 'gt_masks' not in out


def test_copy_paste_errors_and_indexes(tmp_path):
    with pytest.raises(KeyError, match='MultiImageMixDataset'):
        CopyPaste()(dict(img=np.zeros((4, 4, 3), np.uint8), gt_bboxes=np.zeros((0, 4), np.float32),
                         gt_labels=np.zeros(0, np.int64)))
    src = dict(img=np.zeros((5, 4, 3), np.uint8), gt_bboxes=np.array([[0., 0, 2, 2]], np.float32),
               gt_labels=np.array([1]))
    with pytest.raises(ValueError, match='images of one size'):
        CopyPaste(selected=False)(dict(img=np.zeros((4, 4, 3), np.uint8), gt_bboxes=np.zeros((0, 4), np.float32),
                                       gt_labels=np.zeros(0, np.int64), mix_results=[src]))
    dataset = [None] * 3
    np.random.seed(0)
    assert {CopyPaste().get_indexes(dataset) for _ in range(200)} == {0, 1, 2}  # mmdet could draw 3 (IndexError)


CONFIGS_RECORDED = json.load(open(osp.join(osp.dirname(__file__), '..', 'data', 'mmdet2282_copy_paste_configs.json')))


@pytest.mark.parametrize('name', sorted(CONFIGS_RECORDED['configs']))
def test_configs_merge_to_mmdets(name):
    keys = ('model', 'data', 'optimizer', 'optimizer_config', 'lr_config', 'runner', 'evaluation', 'checkpoint_config',
            'auto_scale_lr')
    assert merged_config(osp.join(CONFIGS, name), keys) == CONFIGS_RECORDED['configs'][name]
