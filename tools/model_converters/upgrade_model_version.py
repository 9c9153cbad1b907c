"""Upgrade a checkpoint trained with mmdetection before v2.5 to the current layout.

    python tools/model_converters/upgrade_model_version.py OLD.pth NEW.pth [--num-classes 81]

* v1.x (and 0.x): two-stage heads move under ``roi_head.``; softmax classifiers (``fc_cls``, SSD's
  ``cls_convs``, softmax ``conv_cls``/``retina_cls``/``fcos_cls``/``fovea_cls``) move the background
  class from first to last; class-specific box regression and mask logits lose the background's
  channels; RetinaNet up to 0.5.3 gets ConvModule names (``cls_convs.0.conv.weight``).
* before v2.5: a softmax RPN's two channels per anchor become (foreground, background).

``--num-classes`` counts the background, as the old configs did (81 for COCO). What to do is read from
the checkpoint's ``meta`` (``mmdet_version``, ``config``); the config text is read, never executed.
Unlike mmdet's tool, sigmoid classifiers' biases are left alone (mmdet rotated them across anchors),
SSD's biases are reordered per anchor like its weights, versions compare as numbers (mmdet compared
strings: 2.10 counted as older than 2.5), v2.0-2.4 configs work (mmdet's tool failed on ``roi_head``),
and a checkpoint is upgraded only once.
"""
from __future__ import annotations

import argparse
import os.path as osp
import re
import sys
from collections import OrderedDict

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

import torch  # noqa: E402

from mmlite.runner import _load_checkpoint  # noqa: E402
from mmlite.runner._checkpoint_io import atomic_torch_save  # noqa: E402
from mmlite.utils import digit_version  # noqa: E402
from mmlite.utils.config_literal import checkpoint_config  # noqa: E402

V1_HEADS = ('bbox_head', 'mask_head', 'semantic_head', 'grid_head', 'mask_iou_head')
DENSE_CLASSIFIERS = re.compile(r'(conv_cls|retina_cls|fcos_cls|fovea_cls)\.(weight|bias)$')
UPGRADED_MARK = 'upgraded_from_mmdet_version'


def background_last(value: torch.Tensor, group: int) -> torch.Tensor:
    """Move the first of every ``group`` output channels to the group's end (weights and biases)."""
    grouped = value.reshape(-1, group, *value.shape[1:])
    return torch.cat((grouped[:, 1:], grouped[:, :1]), dim=1).reshape(value.shape)


def drop_background(value: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Drop the first of ``num_classes`` equal groups of output channels (class-specific outputs)."""
    grouped = value.reshape(num_classes, -1, *value.shape[1:])
    return grouped[1:].reshape(-1, *value.shape[1:])


def read_model_config(meta: dict, source: str) -> dict:
    """``model`` of the config text in ``meta`` (v1 checkpoints start it with the config's file name)."""
    text = meta.get('config')
    if not isinstance(text, str):
        raise ValueError(f'{source}: meta has no config text; cannot tell which heads the model has')
    try:
        model = checkpoint_config(text).get('model')
    except SyntaxError:
        model = None
    if isinstance(model, dict):
        return model
    raise ValueError(f'{source}: no plain `model = dict(...)` found in meta["config"]')


def _uses_sigmoid(head: dict) -> bool:
    loss = head.get('loss_cls', {})
    return bool(head.get('use_sigmoid_cls', loss.get('use_sigmoid', True) if isinstance(loss, dict) else True))


def _upgrade_v1_entry(key: str, value: torch.Tensor, model: dict, num_classes: int, version: tuple):
    """The v2 name and value of one v1 state-dict entry (and a note when it changed)."""
    bbox_head = model.get('bbox_head', {})
    heads = bbox_head if isinstance(bbox_head, list) else [bbox_head]
    new_key = f'roi_head.{key}' if 'rpn_head' in model and key.startswith(V1_HEADS) else key
    if re.search(r'fc_cls\.(weight|bias)$', key):
        return new_key, background_last(value, num_classes), 'background class moved last'
    if re.search(r'fc_reg\.(weight|bias)$', key) and not any(h.get('reg_class_agnostic', False) for h in heads):
        return new_key, drop_background(value, num_classes), 'background regression dropped'
    if re.search(r'conv_logits\.(weight|bias)$', key) and value.shape[0] % num_classes == 0:
        return new_key, drop_background(value, num_classes), 'background mask logits dropped'
    head_type = heads[0].get('type') if heads else None
    if head_type == 'SSDHead' and re.search(r'cls_convs\.\d+\.(weight|bias)$', key):
        return new_key, background_last(value, num_classes), 'background class moved last (per anchor)'
    if DENSE_CLASSIFIERS.search(key) and not _uses_sigmoid(heads[0]) and value.shape[0] % num_classes == 0:
        return new_key, background_last(value, num_classes), 'background class moved last (per anchor)'
    old_retina = head_type == 'RetinaHead' and version <= digit_version('0.5.3')
    match = re.search(r'(cls_convs|reg_convs)\.\d+\.(weight|bias)$', key)
    if old_retina and match:
        return key[:match.start(2)] + 'conv.' + key[match.start(2):], value, 'renamed for ConvModule'
    return new_key, value, None


def upgrade_state_dict(state_dict: dict, meta: dict, num_classes: int, source: str = 'checkpoint'):
    """The upgraded state dict and a list of ``(old key, new key, what changed)``."""
    version = digit_version(str(meta.get('mmdet_version', '')) or '0')
    model = read_model_config(meta, source)
    rpn_head = model.get('rpn_head')
    softmax_rpn = isinstance(rpn_head, dict) and not _uses_sigmoid(rpn_head)
    upgraded, changes = OrderedDict(), []
    for key, value in state_dict.items():
        new_key, new_value, note = key, value, None
        if version < digit_version('2.0.0'):
            new_key, new_value, note = _upgrade_v1_entry(key, value, model, num_classes, version)
        if (version < digit_version('2.5.0') and softmax_rpn
                and re.search(r'rpn_head\.rpn_cls\.(weight|bias)$', key)):
            new_value, note = background_last(value, 2), 'RPN channels now (foreground, background)'
        upgraded[new_key] = new_value
        if note is not None or new_key != key:
            changes.append((key, new_key, note or 'renamed'))
    return upgraded, changes


def convert(in_file: str, out_file: str, num_classes: int = 81) -> list:
    """Write the upgraded checkpoint (other entries kept) and return the changes made."""
    checkpoint = _load_checkpoint(in_file, map_location='cpu')
    if not isinstance(checkpoint, dict) or 'state_dict' not in checkpoint or 'meta' not in checkpoint:
        raise ValueError(f'{in_file}: expected a checkpoint with "state_dict" and "meta" (mmdet_version, config)')
    meta = dict(checkpoint['meta'])
    if UPGRADED_MARK in meta:
        raise ValueError(f'{in_file} was already upgraded (from mmdet {meta[UPGRADED_MARK]}); upgrading twice '
                         'would reorder the classes again')
    checkpoint['state_dict'], changes = upgrade_state_dict(checkpoint['state_dict'], meta, num_classes, in_file)
    meta[UPGRADED_MARK] = meta.get('mmdet_version')
    checkpoint['meta'] = meta
    atomic_torch_save(checkpoint, out_file)
    return changes


def main(argv=None) -> list:
    parser = argparse.ArgumentParser(description='Upgrade a checkpoint of mmdetection < 2.5 to the current layout')
    parser.add_argument('in_file', help='the old checkpoint')
    parser.add_argument('out_file', help='where to write the upgraded one')
    parser.add_argument('--num-classes', type=int, default=81,
                        help='classes of the old model, background included (81 for COCO)')
    args = parser.parse_args(argv)
    changes = convert(args.in_file, args.out_file, args.num_classes)
    for old, new, note in changes:
        print(f'{old} -> {new}: {note}' if old != new else f'{old}: {note}')
    print(f'{len(changes)} entries changed; written to {args.out_file}')
    return changes


if __name__ == '__main__':
    main()
