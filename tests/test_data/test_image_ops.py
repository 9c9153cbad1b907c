"""Image ops against values observed with mmcv 1.7.2 (OpenCV backend)."""
import json
import os.path as osp

import numpy as np
import pytest

from mmlite.datasets.pipelines import DefaultFormatBundle
from mmlite.image import (ImageDecodeError, bgr2hsv, hsv2bgr, imflip, imfrombytes, imnormalize, imnormalize_, impad,
                          impad_to_multiple, imread, imrescale, imresize, imwrite, rescale_size)

GOLDEN = json.load(open(osp.join(osp.dirname(osp.dirname(__file__)), 'data', 'mmcv_resize_golden.json')))


def test_rescale_size_matches_mmcv_exactly():
    for size, scale, expected in GOLDEN['rescale_size']:
        scale = tuple(scale) if isinstance(scale, list) else scale
        new_size, factor = rescale_size(tuple(size), scale, return_scale=True)
        assert [list(new_size), factor] == expected


def test_bilinear_resize_within_one_level_of_opencv():
    img = np.array(GOLDEN['img'], dtype=np.uint8)
    for key, size in (('imresize_up', (97, 71)), ('imresize_down', (21, 15))):
        ours = imresize(img, size)
        ref = np.array(GOLDEN[key], dtype=np.int64)
        assert ours.shape == ref.shape and ours.dtype == np.uint8
        assert np.abs(ours.astype(np.int64) - ref).max() <= 1
    assert list(imrescale(img, (100, 60)).shape) == GOLDEN['imrescale']


def test_resize_variants():
    img = np.arange(4 * 6, dtype=np.uint8).reshape(4, 6)
    assert imresize(img, (3, 2), interpolation='nearest').tolist() == [[0, 2, 4], [12, 14, 16]]
    floats = np.random.rand(8, 8, 3).astype(np.float32)
    resized, w_scale, h_scale = imresize(floats, (4, 16), return_scale=True)
    assert resized.shape == (16, 4, 3) and resized.dtype == np.float32 and (w_scale, h_scale) == (0.5, 2.0)
    rescaled, factor = imrescale(floats, 0.5, return_scale=True)
    assert rescaled.shape == (4, 4, 3) and factor == 0.5
    with pytest.raises(ValueError, match='interpolation'):
        imresize(img, (2, 2), interpolation='magic')
    with pytest.raises(ValueError, match='Invalid scale'):
        rescale_size((10, 10), -1.0)


def test_flip_pad_normalize():
    img = np.arange(12, dtype=np.uint8).reshape(2, 2, 3)
    assert np.array_equal(imflip(img, 'horizontal'), img[:, ::-1])
    assert np.array_equal(imflip(img, 'vertical'), img[::-1])
    assert np.array_equal(imflip(img, 'diagonal'), img[::-1, ::-1])
    padded = impad(img, shape=(3, 4), pad_val=7)
    assert padded.shape == (3, 4, 3) and padded[2, 3, 0] == 7 and np.array_equal(padded[:2, :2], img)
    assert impad_to_multiple(img, 32).shape == (32, 32, 3)
    assert impad(img, padding=(1, 1, 1, 1), padding_mode='edge').shape == (4, 4, 3)
    norm = imnormalize(img, mean=[1, 2, 3], std=[2, 2, 2], to_rgb=True)
    assert norm.dtype == np.float32
    assert norm[0, 0].tolist() == [(2 - 1) / 2, (1 - 2) / 2, (0 - 3) / 2]


@pytest.mark.parametrize('to_rgb', [True, False])
def test_uint8_normalize_is_bit_identical_to_float_arithmetic(to_rgb):
    # every byte value in every channel, on a non-square image so a transposition bug shows
    img = np.stack([np.roll(np.arange(256, dtype=np.uint8), 85 * c) for c in range(3)], -1)
    img = np.tile(img[:, None], (1, 3, 1))
    mean, std = [123.675, 116.28, 103.53], [58.395, 57.12, 57.375]
    fast = imnormalize(img, mean, std, to_rgb)
    reference = imnormalize_(img.astype(np.float32), mean, std, to_rgb)
    assert fast.shape == img.shape and fast.dtype == np.float32
    assert np.array_equal(fast, reference)


def test_normalized_images_stay_channel_first_through_pad_and_format():
    img = np.random.RandomState(0).randint(0, 256, (5, 7, 3)).astype(np.uint8)
    norm = imnormalize(img, [1, 2, 3], [2, 2, 2])
    assert norm.transpose(2, 0, 1).flags.c_contiguous  # HWC view of C x H x W planes
    padded = impad(norm, padding=(1, 2, 3, 4), pad_val=-9)
    assert padded.shape == (11, 11, 3) and padded.transpose(2, 0, 1).flags.c_contiguous
    assert np.array_equal(padded[2:7, 1:8], norm)
    border = np.ones(padded.shape[:2], bool)
    border[2:7, 1:8] = False
    assert (padded[border] == -9).all()
    bundle = DefaultFormatBundle()(dict(img=padded))
    assert np.shares_memory(bundle['img'].data.numpy(), padded)  # no copy to go channel-first
    assert np.array_equal(bundle['img'].data.numpy(), padded.transpose(2, 0, 1))
    plain = impad(np.ascontiguousarray(norm), padding=(1, 2, 3, 4), pad_val=-9)
    assert plain.flags.c_contiguous and np.array_equal(plain, padded)


def test_hsv_round_trip():
    img = np.random.RandomState(1).uniform(0, 255, (16, 16, 3)).astype(np.float32)
    hsv = bgr2hsv(img)
    assert hsv[..., 0].min() >= 0 and hsv[..., 0].max() < 360
    assert np.abs(hsv2bgr(hsv) - img).max() < 1e-3


def test_read_write_and_corrupt_files(tmp_path):
    img = (np.random.RandomState(0).rand(10, 12, 3) * 255).astype(np.uint8)
    png = str(tmp_path / 'a.png')
    imwrite(img, png)
    assert np.array_equal(imread(png), img)  # lossless, BGR round trip
    assert np.array_equal(imread(png, channel_order='rgb'), img[..., ::-1])
    assert imread(png, flag='grayscale').shape == (10, 12)
    bmp = str(tmp_path / 'a.bmp')
    imwrite(img, bmp)
    assert np.array_equal(imread(bmp), img)  # Pillow path
    broken = tmp_path / 'broken.jpg'
    broken.write_bytes(b'\xff\xd8\xff\xe0 not really a jpeg')
    with pytest.raises(ImageDecodeError, match='broken.jpg.*corrupt'):
        imread(str(broken))
    with pytest.raises(FileNotFoundError, match='missing.jpg'):
        imread(str(tmp_path / 'missing.jpg'))
    with pytest.raises(ImageDecodeError, match='empty'):
        imfrombytes(b'')


def test_palette_colours_take_mmdets_forms():
    from mmlite.image.visualization import palette_colors
    first = palette_colors(None, 3)
    assert first == palette_colors('random', 3) and len(set(first)) == 3  # fixed: the same every call
    assert first == [tuple(int(c) for c in row) for row in np.random.RandomState(42).randint(0, 256, (3, 3))]
    assert palette_colors((72, 101, 241), 2) == [(72, 101, 241)] * 2
    assert palette_colors([(1, 2, 3), (4, 5, 6)], 2) == [(1, 2, 3), (4, 5, 6)]
    assert palette_colors('green', 1) == [(0, 255, 0)]
    with pytest.warns(UserWarning, match="no 'coco' dataset palette"):
        assert palette_colors('coco', 3) == first
    assert palette_colors('random', 4) == [(102, 179, 92), (14, 106, 71), (188, 20, 102), (121, 210, 214)]
    with pytest.raises(ValueError, match='2 colours but 3 classes'):
        palette_colors([(1, 2, 3), (4, 5, 6)], 3)
    with pytest.raises(ValueError, match="unknown colour 'teal'"):
        palette_colors('teal', 1)


def test_detections_are_drawn_in_the_requested_colours():
    from mmlite.image import imshow_det_bboxes
    img = np.zeros((60, 60, 3), np.uint8)
    boxes = np.array([[5, 5, 30, 30, 0.9], [35, 35, 55, 55, 0.2]], np.float32)
    masks = np.zeros((2, 60, 60), bool)
    masks[0, 20:28, 10:28] = True  # below the label text
    drawn = imshow_det_bboxes(img, boxes, np.array([0, 1]), masks, score_thr=0.5, bbox_color=(0, 0, 255),
                              mask_color=(255, 255, 255))
    assert drawn[15, 5].tolist() == [255, 0, 0]  # RGB blue box edge in a BGR image
    assert drawn[25, 15].tolist() == [127, 127, 127]  # half-blended white mask
    assert not drawn[40:50, 40:50].any() and drawn[55, 45].tolist() == [0, 0, 0]  # below score_thr
