"""get_model_complexity_info and tools/analysis_tools/get_flops.py against mmcv 1.7.2 / mmdet 2.28.2
(tests/data/mmcv172_flops_golden.json)."""
import importlib.util
import io
import json
from pathlib import Path

import pytest
import torch
import torch.nn as nn

from mmlite.cnn import flops_to_string, get_model_complexity_info, params_to_string

ROOT = Path(__file__).parents[2]
GOLDEN = json.loads((ROOT / 'tests' / 'data' / 'mmcv172_flops_golden.json').read_text())
VALUES = [0, 12, 999, 1000, 1234, 999999, 1234567, 2.5e9, 3e12]


@pytest.mark.parametrize('name', sorted(GOLDEN['cases']))
def test_counts_and_per_layer_table_match_mmcv(name):
    case = GOLDEN['cases'][name]
    model = eval(case['code'], {'nn': nn})  # the model definitions recorded with the golden values
    shape = tuple(case['shape'])
    flops, params = get_model_complexity_info(model, shape, print_per_layer_stat=False, as_strings=False)
    assert (flops, params) == (case['flops'], case['params'])
    text = io.StringIO()
    assert list(get_model_complexity_info(model, shape, ost=text)) == case['strings']
    if case['per_layer'] == 'ZeroDivisionError':  # mmcv crashed printing a model without counted FLOPs/params
        assert '0.000% Params' in text.getvalue()
    else:
        assert text.getvalue() == case['per_layer']
    assert 'Params' not in repr(model)  # the per-layer annotations are removed afterwards


def test_unit_strings_match_mmcv():
    flops_units = (None, 'GFLOPs', 'MFLOPs', 'KFLOPs', 'FLOPs')
    flops = [flops_to_string(v, units=u, precision=p) for v in VALUES for u in flops_units for p in (1, 2)]
    assert flops == GOLDEN['flops_to_string']
    assert [params_to_string(v, units=u, precision=p) for v in VALUES for u in (None, 'M', 'K', 'x') for p in (1, 3)] \
        == GOLDEN['params_to_string']


def test_input_constructor_and_bad_shape():
    class TwoInputs(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 2)

        def forward(self, a, b):
            return self.fc(a) + self.fc(b)

    flops, _ = get_model_complexity_info(TwoInputs(), (4, ), print_per_layer_stat=False, as_strings=False,
                                         input_constructor=lambda s: dict(a=torch.ones(3, *s), b=torch.ones(1, *s)))
    assert flops == 4 * 2 * 4  # (3 + 1) rows of 4 inputs x 2 outputs
    with pytest.raises(TypeError, match='input_shape must be a non-empty tuple'):
        get_model_complexity_info(nn.ReLU(), [3, 4])


@pytest.mark.parametrize('config', ['retinanet/retinanet_r50_fpn_1x_coco.py',
                                    'faster_rcnn/faster_rcnn_r50_fpn_1x_coco.py'])
def test_get_flops_tool_matches_mmdet(config, capsys):
    spec = importlib.util.spec_from_file_location('get_flops', ROOT / 'tools' / 'analysis_tools' / 'get_flops.py')
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    args = [str(ROOT / 'configs' / config), '--shape', '100', '150', '--cfg-options', 'model.backbone.init_cfg=None']
    assert list(tool.main(args)) == GOLDEN['get_flops_100x150'][config]
    assert 'from (3, 100, 150) to (3, 128, 160)' in capsys.readouterr().out
