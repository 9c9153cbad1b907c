"""The GCNet recipes (gcnet/: SyncBN backbones and global context blocks) and the GRoIE configs built on them: the
same merged configs as mmdet 2.28.2's.

tests/data/mmdet2282_gcnet_configs.json holds, per config, the SHA-256 of mmdet's merged ``model``, ``optimizer``,
``lr_config``, ``runner`` and ``data`` as sorted-key JSON (``Config.fromfile`` of mmdet 2.28.2's own files).
The context block itself is compared with mmdet in test_resnet_plugins.py.
"""
import hashlib
import json
import os.path as osp

import pytest

from ._tiny import CONFIGS, merged_config

GOLDEN = json.load(open(osp.join(osp.dirname(__file__), '..', 'data', 'mmdet2282_gcnet_configs.json')))


@pytest.mark.parametrize('name', sorted(GOLDEN['config_sha256']))
def test_configs_match_mmdet(name):
    merged = merged_config(osp.join(CONFIGS, name), ('model', 'optimizer', 'lr_config', 'runner', 'data'))
    digest = hashlib.sha256(json.dumps(merged, sort_keys=True).encode()).hexdigest()
    assert digest == GOLDEN['config_sha256'][name]
