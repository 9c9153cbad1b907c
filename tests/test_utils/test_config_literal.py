"""literal_config: what a config assigns, read without running it."""
import pytest

from mmlite.utils.config_literal import literal_config

CONFIG = """
# mmdet 1.x style
model = dict(
    type='MaskRCNN',
    rpn_head=dict(type='RPNHead', anchor_ratios=[0.5, 1.0, 2.0], loss_cls=dict(use_sigmoid=True)),
    bbox_head=[dict(type='SharedFCBBoxHead', reg_class_agnostic=True, target_stds=[0.1, 0.1, 0.2, 0.2])])
data_root = 'data/coco/'
ann = data_root + 'annotations/instances_val2017.json'
lr_config = dict(policy='step', warmup_ratio=1.0 / 3, step=[8, 11], neg=-2, flags={'a': (1, 2), 'b': None})
import os
work_dir = os.path.join('work_dirs', 'x')
uses_unknown = undefined_name + 1
after = dict(**lr_config)
"""


def test_plain_assignments_are_read():
    cfg = literal_config(CONFIG)
    assert cfg['model']['rpn_head']['loss_cls'] == {'use_sigmoid': True}
    assert cfg['model']['bbox_head'][0]['reg_class_agnostic'] is True
    assert cfg['ann'] == 'data/coco/annotations/instances_val2017.json'
    assert cfg['lr_config'] == dict(policy='step', warmup_ratio=1.0 / 3, step=[8, 11], neg=-2,
                                    flags={'a': (1, 2), 'b': None})
    assert set(cfg) == {'model', 'data_root', 'ann', 'lr_config'}  # the rest would need running code


def test_nothing_is_executed(tmp_path):
    marker = tmp_path / 'ran'
    cfg = literal_config(f"x = 1\ny = open({str(marker)!r}, 'w').write('x')\nz = __import__('os').getcwd()\n")
    assert cfg == {'x': 1} and not marker.exists()


def test_not_python_is_a_syntax_error():
    with pytest.raises(SyntaxError):
        literal_config('model = dict(')


def test_checkpoint_config_skips_a_leading_file_name():
    from mmlite.utils.config_literal import checkpoint_config
    assert checkpoint_config("configs/mask_rcnn_r50_fpn_1x.py\nmodel = dict(type='MaskRCNN')\n") == dict(
        model=dict(type='MaskRCNN'))
    assert checkpoint_config("model = dict(type='RPN')\n") == dict(model=dict(type='RPN'))
