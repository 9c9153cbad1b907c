"""``LoadMultiChannelImageFromFiles``: one file per channel stacked on a last axis, with mmdet's meta keys
(checked against mmdet 2.28.2 on the same files: identical results and repr)."""
import numpy as np
import pytest
from PIL import Image

from mmlite.datasets import PIPELINES
from mmlite.utils import build_from_cfg


@pytest.fixture()
def bands(tmp_path):
    rng = np.random.default_rng(0)
    arrays = [rng.integers(0, 256, (7, 9)).astype(np.uint8) for _ in range(3)]
    for i, array in enumerate(arrays):
        Image.fromarray(array).save(tmp_path / f'b{i}.png')
    return tmp_path, arrays


def test_bands_stack_into_channels_with_default_meta(bands):
    root, arrays = bands
    load = build_from_cfg(dict(type='LoadMultiChannelImageFromFiles'), PIPELINES)
    results = load(dict(img_prefix=str(root), img_info=dict(filename=['b0.png', 'b1.png', 'b2.png'])))
    np.testing.assert_array_equal(results['img'], np.stack(arrays, axis=-1))
    assert results['img_shape'] == results['ori_shape'] == results['pad_shape'] == (7, 9, 3)
    assert results['filename'] == [str(root / f'b{i}.png') for i in range(3)]
    assert results['ori_filename'] == ['b0.png', 'b1.png', 'b2.png'] and results['scale_factor'] == 1.0
    norm = results['img_norm_cfg']
    assert norm['to_rgb'] is False and norm['mean'].tolist() == [0, 0, 0] and norm['std'].tolist() == [1, 1, 1]
    assert repr(load) == ("LoadMultiChannelImageFromFiles(to_float32=False, color_type='unchanged', "
                          "file_client_args={'backend': 'disk'})")


def test_float_colour_and_errors(bands):
    root, arrays = bands
    load = build_from_cfg(dict(type='LoadMultiChannelImageFromFiles', to_float32=True, color_type='color'),
                          PIPELINES)
    results = load(dict(img_prefix=None, img_info=dict(filename=[str(root / 'b0.png'), str(root / 'b1.png')])))
    assert results['img'].shape == (7, 9, 3, 2) and results['img'].dtype == np.float32
    np.testing.assert_array_equal(results['img'][..., 1, 0], arrays[0])  # gray read as colour: 3 equal planes
    with pytest.raises(TypeError, match="needs img_info\\['filename'\\] to be a list of files"):
        load(dict(img_prefix=str(root), img_info=dict(filename='b0.png')))
    with pytest.raises(FileNotFoundError, match='missing.png'):
        load(dict(img_prefix=str(root), img_info=dict(filename=['missing.png'])))
    with pytest.raises(ValueError, match='only local files'):
        build_from_cfg(dict(type='LoadMultiChannelImageFromFiles', file_client_args=dict(backend='petrel')),
                       PIPELINES)
