"""tools/model_converters: upgrade_model_version, upgrade_ssd_version, regnet2mmdet, detectron2pytorch,
selfsup2mmdet.

tests/data/mmdet2282_model_converters_golden.pth: synthetic inputs (old mmdet checkpoints with their meta
config text: Mask R-CNN 1.0.0, Cascade R-CNN 1.0rc1, RetinaNet 0.5.1, SSD 1.0.0, a 2.4.0 and a 2.10.0 Faster
R-CNN with a softmax RPN, a pre-2.14 SSD; a pycls RegNet; Detectron ResNet-50 blobs; a MoCo checkpoint; 4
classes with background, 3 anchors, 8 channels) and the state dicts mmdet 2.28.2's tools wrote (or the error
they raised).
"""
import os.path as osp
import pickle

import pytest
import torch

from mmlite.runner import _load_checkpoint

from .conftest import load_tool

GOLDEN = torch.load(osp.join(osp.dirname(__file__), '..', 'data', 'mmdet2282_model_converters_golden.pth'),
                    weights_only=True)
K, A = 4, 3
# entries where mmdet's tool was wrong (docs/compat.md): it rotated whole bias vectors by one element,
# moving biases across anchors (sigmoid RPN/RetinaNet biases have no background channel to move; SSD's
# move per anchor like its weights), and it dropped the last class's regression and mask-logit biases
# where it dropped the first (background) class's weights
MMDET_WRONG = {'mask_rcnn_v1': {'rpn_head.rpn_cls.bias', 'bbox_head.fc_reg.bias', 'mask_head.conv_logits.bias'},
               'cascade_v1': {'rpn_head.rpn_cls.bias'}, 'retina_v05': {'bbox_head.retina_cls.bias'},
               'ssd_v1': {'bbox_head.cls_convs.0.bias'}}


def _save(tmp_path, name, obj):
    torch.save(obj, tmp_path / name)
    return str(tmp_path / name)


def _assert_same(ours: dict, theirs: dict, skip=()):
    assert sorted(ours) == sorted(theirs)
    for key in theirs:
        if key not in skip:
            assert torch.equal(ours[key], theirs[key]), key


@pytest.mark.parametrize('case', sorted(MMDET_WRONG))
def test_upgrade_model_version_matches_mmdet(tmp_path, case):
    tool = load_tool('tools/model_converters/upgrade_model_version.py')
    recorded = GOLDEN[case]
    changes = tool.main([_save(tmp_path, 'old.pth', recorded['input']), str(tmp_path / 'new.pth'),
                         '--num-classes', str(K)])
    upgraded = _load_checkpoint(str(tmp_path / 'new.pth'))
    renamed = {old: new for old, new, _ in changes}
    _assert_same(upgraded['state_dict'], recorded['output'], skip={renamed.get(k, k) for k in MMDET_WRONG[case]})
    assert upgraded['meta']['upgraded_from_mmdet_version'] == recorded['input']['meta']['mmdet_version']
    assert changes and all(note for _, _, note in changes)
    old = recorded['input']['state_dict']
    for key in MMDET_WRONG[case]:
        new_key = renamed.get(key, key)
        if case == 'ssd_v1':  # per anchor, like the weights
            expected = old[key].reshape(A, K)[:, [1, 2, 3, 0]].reshape(-1)
        elif 'fc_reg' in key or 'conv_logits' in key:  # the background's, like the weights
            expected = old[key].reshape(K, -1)[1:].reshape(-1)
        else:  # sigmoid classifiers have no background channel: unchanged
            expected = old[key]
        assert torch.equal(upgraded['state_dict'][new_key], expected), key
    with pytest.raises(ValueError, match='already upgraded .*reorder the classes again'):
        tool.convert(str(tmp_path / 'new.pth'), str(tmp_path / 'twice.pth'), K)


def test_upgrade_semantics_of_a_v1_two_stage_model(tmp_path):
    tool = load_tool('tools/model_converters/upgrade_model_version.py')
    old = GOLDEN['mask_rcnn_v1']['input']['state_dict']
    tool.convert(_save(tmp_path, 'old.pth', GOLDEN['mask_rcnn_v1']['input']), str(tmp_path / 'new.pth'), K)
    new = _load_checkpoint(str(tmp_path / 'new.pth'))['state_dict']
    assert torch.equal(new['roi_head.bbox_head.fc_cls.weight'][-1], old['bbox_head.fc_cls.weight'][0])  # bg last
    assert torch.equal(new['roi_head.bbox_head.fc_cls.weight'][:-1], old['bbox_head.fc_cls.weight'][1:])
    assert torch.equal(new['roi_head.bbox_head.fc_reg.weight'], old['bbox_head.fc_reg.weight'][4:])
    assert torch.equal(new['roi_head.mask_head.conv_logits.bias'], old['mask_head.conv_logits.bias'][1:])
    assert torch.equal(new['rpn_head.rpn_reg.weight'], old['rpn_head.rpn_reg.weight'])


@pytest.mark.parametrize('version', ['2.4.0', '2.10.0'])
def test_softmax_rpn_before_2_5_swaps_its_channels_only(tmp_path, version):
    """mmdet's tool failed on these (KeyError: it looked for bbox_head at the top of a v2 config)."""
    tool = load_tool('tools/model_converters/upgrade_model_version.py')
    case = 'faster_v24' if version == '2.4.0' else 'faster_v210'
    assert GOLDEN[case]['error'] == "KeyError('bbox_head')"
    old = GOLDEN[case]['input']['state_dict']
    changes = tool.convert(_save(tmp_path, 'old.pth', GOLDEN[case]['input']), str(tmp_path / 'new.pth'), K)
    new = _load_checkpoint(str(tmp_path / 'new.pth'))['state_dict']
    assert list(new) == list(old)
    if version == '2.10.0':  # 2.10 is newer than 2.5 (mmdet compared version strings)
        assert changes == [] and all(torch.equal(new[k], old[k]) for k in old)
        return
    assert [c[0] for c in changes] == ['rpn_head.rpn_cls.weight', 'rpn_head.rpn_cls.bias']
    pairs = old['rpn_head.rpn_cls.bias'].reshape(A, 2)
    assert torch.equal(new['rpn_head.rpn_cls.bias'], pairs.flip(1).reshape(-1))
    assert torch.equal(new['rpn_head.rpn_cls.weight'][1::2], old['rpn_head.rpn_cls.weight'][0::2])
    for key in old:
        if not key.startswith('rpn_head.rpn_cls'):
            assert torch.equal(new[key], old[key])


def test_upgrade_errors(tmp_path):
    tool = load_tool('tools/model_converters/upgrade_model_version.py')
    no_meta = _save(tmp_path, 'a.pth', dict(state_dict={}))
    with pytest.raises(ValueError, match='a.pth: expected a checkpoint with "state_dict" and "meta"'):
        tool.convert(no_meta, str(tmp_path / 'out.pth'))
    odd_config = _save(tmp_path, 'b.pth', dict(state_dict={}, meta=dict(mmdet_version='1.0.0',
                                                                        config='import os\nmodel = os.sep\n')))
    with pytest.raises(ValueError, match=r'b.pth: no plain `model = dict\(...\)`'):
        tool.convert(odd_config, str(tmp_path / 'out.pth'))
    assert not osp.exists(tmp_path / 'out.pth')


def test_upgrade_ssd_version_matches_mmdet(tmp_path):
    tool = load_tool('tools/model_converters/upgrade_ssd_version.py')
    recorded = GOLDEN['ssd_layout']
    changes = tool.main([_save(tmp_path, 'old.pth', recorded['input']), str(tmp_path / 'new.pth')])
    _assert_same(_load_checkpoint(str(tmp_path / 'new.pth'))['state_dict'], recorded['output'])
    assert ('backbone.extra.3.weight', 'neck.extra_layers.1.1.conv.weight') in changes
    with pytest.raises(ValueError, match='already has the neck layout'):
        tool.convert(str(tmp_path / 'new.pth'), str(tmp_path / 'twice.pth'))
    retina = dict(GOLDEN['retina_v05']['input'])
    with pytest.raises(ValueError, match='not an SSD checkpoint .*RetinaHead'):
        tool.convert(_save(tmp_path, 'retina.pth', retina), str(tmp_path / 'x.pth'))


def test_regnet2mmdet_matches_mmdet(tmp_path):
    tool = load_tool('tools/model_converters/regnet2mmdet.py')
    recorded = GOLDEN['regnet']
    model_state = dict(recorded['input']['model_state'], **{'extra.thing': torch.ones(1)})
    source = dict(recorded['input'], model_state=model_state)
    skipped = tool.main([_save(tmp_path, 'pycls.pth', source), str(tmp_path / 'mmdet.pth')])
    assert skipped == ['extra.thing']
    _assert_same(_load_checkpoint(str(tmp_path / 'mmdet.pth'))['state_dict'], recorded['output'])
    regnet_y = dict(model_state={'s1.b1.f.se.f_ex.0.weight': torch.ones(2)})
    with pytest.raises(ValueError, match='cannot convert s1.b1.f.se.f_ex.0.weight: only RegNetX'):
        tool.convert(_save(tmp_path, 'y.pth', regnet_y), str(tmp_path / 'y_out.pth'))


def test_detectron2pytorch_matches_mmdet(tmp_path):
    tool = load_tool('tools/model_converters/detectron2pytorch.py')
    recorded = GOLDEN['detectron']
    blobs = {name: value.numpy() for name, value in recorded['input'].items()}
    pickle.dump({'blobs': blobs}, open(tmp_path / 'R-50.pkl', 'wb'), protocol=2)
    skipped = tool.main([str(tmp_path / 'R-50.pkl'), str(tmp_path / 'r50.pth'), '50'])
    assert skipped == ['conv1_w_momentum', 'pred_w']
    _assert_same(_load_checkpoint(str(tmp_path / 'r50.pth'))['state_dict'], recorded['output'])
    with pytest.raises(KeyError, match='R-50.pkl has no blob res4_6_branch2a_w'):
        tool.convert(str(tmp_path / 'R-50.pkl'), str(tmp_path / 'r101.pth'), 101)
    with pytest.raises(ValueError, match='depth must be one of'):
        tool.convert(str(tmp_path / 'R-50.pkl'), str(tmp_path / 'r152.pth'), 152)


def test_selfsup2mmdet(tmp_path):
    tool = load_tool('tools/model_converters/selfsup2mmdet.py')
    recorded = GOLDEN['moco']
    keys = tool.main([_save(tmp_path, 'moco.pth', recorded['input']), str(tmp_path / 'r50.pth'),
                      '--selfsup', 'moco'])
    assert keys == ['conv1.weight', 'bn1.weight', 'fc.0.weight']
    _assert_same(_load_checkpoint(str(tmp_path / 'r50.pth'))['state_dict'], recorded['output'])
    swav = {'module.conv1.weight': torch.ones(2), 'module.prototypes.weight': torch.zeros(3)}
    keys = tool.convert(_save(tmp_path, 'swav.pth', swav), str(tmp_path / 'swav_r50.pth'), 'swav')
    assert keys == ['conv1.weight', 'prototypes.weight']
    with pytest.raises(ValueError, match="no entries starting with 'module.encoder_q.'"):
        tool.convert(str(tmp_path / 'swav.pth'), str(tmp_path / 'x.pth'), 'moco')
