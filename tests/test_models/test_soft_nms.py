"""soft_nms and batched_nms(type='soft_nms') against mmcv-full 1.7.2's compiled ops (same kept indices in
the same order, same lowered scores), and soft-NMS in a detector's test_cfg."""
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from mmlite.models import build_detector
from mmlite.ops import batched_nms, soft_nms

from ._tiny import tiny_model_cfg, toy_batch

GOLDEN = json.loads((Path(__file__).parents[1] / 'data' / 'mmcv172_soft_nms_golden.json').read_text())


def _boxes(rng, n):
    xy, wh = rng.uniform(0, 50, (n, 2)), rng.uniform(5, 30, (n, 2))
    return np.concatenate([xy, xy + wh], 1).astype(np.float32)


def _assert_same(ours, expected):
    dets, inds = ours
    assert np.asarray(inds).tolist() == expected[1]
    np.testing.assert_allclose(np.asarray(dets).reshape(-1, 5), np.array(expected[0]).reshape(-1, 5), rtol=1e-5,
                               atol=1e-5)


def test_soft_nms_matches_mmcv():
    rng = np.random.default_rng(0)
    expected = iter(GOLDEN['soft_nms'])
    for case in range(8):
        n = int(rng.integers(5, 60))
        boxes = _boxes(rng, n)
        scores = np.round(rng.uniform(0, 1, n), 1 if case % 2 else 6).astype(np.float32)  # ties in odd cases
        for kwargs in (dict(), dict(method='gaussian', sigma=0.3), dict(method='naive', iou_threshold=0.4),
                       dict(method='linear', iou_threshold=0.2, min_score=0.05, offset=1)):
            _assert_same(soft_nms(boxes, scores, **kwargs), next(expected))
        dets, inds = soft_nms(torch.from_numpy(boxes), torch.from_numpy(scores), 0.5)
        assert isinstance(dets, torch.Tensor)
        _assert_same((dets, inds), next(expected))


def test_batched_soft_nms_matches_mmcv():
    rng = np.random.default_rng(1)
    expected = iter(GOLDEN['batched'])
    for _ in range(6):
        n = int(rng.integers(10, 80))
        boxes = torch.from_numpy(_boxes(rng, n))
        scores = torch.from_numpy(rng.uniform(0, 1, n).astype(np.float32))
        idxs = torch.from_numpy(rng.integers(0, 3, n))
        for cfg in (dict(type='soft_nms', iou_threshold=0.5),
                    dict(type='soft_nms', iou_threshold=0.3, method='gaussian', min_score=0.05),
                    dict(type='soft_nms', iou_threshold=0.5, class_agnostic=True),
                    dict(type='soft_nms', iou_threshold=0.5, split_thr=5)):  # the per-class path
            _assert_same(batched_nms(boxes, scores, idxs, cfg), next(expected))
        dets, keep = batched_nms(boxes, scores, idxs, dict(type='soft_nms', iou_threshold=0.5, max_num=4))
        assert len(keep) == 4 and dets.shape == (4, 5)  # mmcv passed max_num on to soft_nms and crashed


def test_soft_nms_in_test_cfg_and_errors():
    cfg = tiny_model_cfg('faster_rcnn')
    cfg['test_cfg']['rcnn']['nms'] = dict(type='soft_nms', iou_threshold=0.5, min_score=0.05)
    model = build_detector(cfg).eval()
    batch = toy_batch()
    with torch.no_grad():
        results = model.simple_test(batch['img'], batch['img_metas'], rescale=True)
    assert len(results) == 2 and all(r.shape[1] == 5 for r in results[0])
    with pytest.raises(ValueError, match='method must be one of'):
        soft_nms(np.zeros((1, 4), np.float32), np.ones(1, np.float32), method='cubic')
    with pytest.raises(KeyError, match="unsupported soft_nms option"):
        batched_nms(torch.zeros(1, 4), torch.ones(1), torch.zeros(1, dtype=torch.long),
                    dict(type='soft_nms', thresh=0.3))
