"""tools/analysis_tools/optimize_anchors.py.

tests/data/mmdet2282_optimize_anchors_golden.json: 160 synthetic box sizes in three size groups on images of
640x480 and 500x375, and the anchors mmdet 2.28.2's YOLOKMeansAnchorOptimizer found for (9 anchors, 608x608),
(6, 416x320) and (1, 608x608), with the initial centres its torch.randint drew.
"""
import builtins
import json
import os.path as osp

import numpy as np
import pytest
import torch

from mmlite.datasets import TOY_CLASSES, make_toy_coco

from .conftest import REPO, load_tool

GOLDEN = json.load(open(osp.join(osp.dirname(__file__), '..', 'data', 'mmdet2282_optimize_anchors_golden.json')))


def _boxes(tool, input_shape):
    whs, shapes = np.array(GOLDEN['whs']), np.array(GOLDEN['img_shapes'])
    return tool.centred_boxes(whs / (shapes.max(1, keepdims=True) / np.array([input_shape])))


@pytest.mark.parametrize('case', GOLDEN['cases'], ids=lambda c: f"{c['num_anchors']}_anchors")
def test_kmeans_matches_mmdet(case):
    tool = load_tool('tools/analysis_tools/optimize_anchors.py')
    boxes = _boxes(tool, case['input_shape'])
    anchors, mean_iou = tool.kmeans_anchors(boxes, case['num_anchors'], 1000, init_indices=case['init'])
    np.testing.assert_allclose(anchors, case['anchors'], rtol=1e-6)
    assert 0 < mean_iou < 1
    if case['num_anchors'] > 1:  # a better fit than the starting centres
        start = boxes[torch.tensor(case['init'])]
        assert mean_iou > tool.bbox_overlaps(boxes, start).max(1)[0].mean().item()


def test_an_emptied_cluster_keeps_its_centre():
    tool = load_tool('tools/analysis_tools/optimize_anchors.py')
    boxes = _boxes(tool, [608, 608])
    anchors, _ = tool.kmeans_anchors(boxes, 3, 100, init_indices=[0, 0, 70])  # twins: the second never wins
    assert min(w * h for w, h in anchors) > 0  # mmdet's tool returned a 0 x 0 anchor here


def test_base_sizes_layout():
    tool = load_tool('tools/analysis_tools/optimize_anchors.py')
    anchors = [[1, 1], [2, 2], [3, 3], [4, 4], [5, 5], [6, 6]]
    yolo = [[(9, 9), (8, 8)], [(5, 5), (4, 4)], [(2, 2), (1, 1)]]  # largest level first, as YOLOv3's configs
    assert tool.as_base_sizes(anchors, yolo) == [[(5, 5), (6, 6)], [(3, 3), (4, 4)], [(1, 1), (2, 2)]]
    assert tool.as_base_sizes(anchors, yolo[::-1]) == [[(1, 1), (2, 2)], [(3, 3), (4, 4)], [(5, 5), (6, 6)]]


def _config(tmp_path):
    root = make_toy_coco(str(tmp_path / 'toy'), num_train=6, num_val=1)
    config = tmp_path / 'yolo_toy.py'
    config.write_text(f"""_base_ = '{REPO}/configs/yolo/yolov3_d53_mstrain-608_273e_coco.py'
data = dict(train=dict(_delete_=True, type='CocoDataset', classes={TOY_CLASSES!r}, pipeline=[],
                       ann_file='{root}/annotations/instances_train.json', img_prefix='{root}/train/'))
""")
    return str(config)


def test_tool_on_a_yolo_config(tmp_path):
    tool = load_tool('tools/analysis_tools/optimize_anchors.py')
    argv = [_config(tmp_path), '--algorithm', 'k-means', '--input-shape', '320', '320', '--output-dir',
            str(tmp_path / 'out')]
    anchors = tool.main(argv)
    assert anchors == json.load(open(tmp_path / 'out' / 'anchor_optimize_result.json'))
    assert len(anchors) == 9 and [w * h for w, h in anchors] == sorted(w * h for w, h in anchors)
    assert tool.main(argv) == anchors  # seeded: repeatable
    with pytest.raises(SystemExit, match='--algorithm must be k-means or differential_evolution'):
        tool.main([argv[0], '--algorithm', 'genetic'])
    with pytest.raises(SystemExit, match='must be a YOLOAnchorGenerator, got AnchorGenerator'):
        tool.main([f'{REPO}/configs/retinanet/retinanet_r50_fpn_1x_coco.py', '--algorithm', 'k-means'])


def test_differential_evolution(tmp_path, monkeypatch):
    tool = load_tool('tools/analysis_tools/optimize_anchors.py')
    boxes = _boxes(tool, [608, 608])
    try:
        import scipy.optimize  # noqa: F401
    except ImportError:
        with pytest.raises(SystemExit, match='needs scipy: pip install scipy'):
            tool.evolve_anchors(boxes, 3, [608, 608], iters=5, seed=0)
        return
    anchors, mean_iou = tool.evolve_anchors(boxes, 3, [608, 608], iters=30, seed=0)
    assert len(anchors) == 3 and mean_iou == pytest.approx(1 - tool.mean_iou_cost(np.ravel(anchors), boxes))
    kmeans_iou = tool.kmeans_anchors(boxes, 3, 100, init_indices=[0, 60, 130])[1]
    assert mean_iou > 0.9 * kmeans_iou
    real_import = builtins.__import__

    def no_scipy(name, *args, **kwargs):
        if name.startswith('scipy'):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, '__import__', no_scipy)
    with pytest.raises(SystemExit, match='needs scipy'):
        tool.evolve_anchors(boxes, 3, [608, 608], iters=5, seed=0)
