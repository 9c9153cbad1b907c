"""mmcv.image's OpenCV-backed warps, crops and photometric adjustments, rebuilt without OpenCV, against
mmcv 1.7.2 with OpenCV 4.11 (tests/data/mmcv172_image_warp_adjust_golden.json; exact outputs compared by
SHA-256, the few float results that differ in the last bits by value).

The golden file is ``_outputs(mmcv, mmcv.image.geometric)`` run in the oracle venv (shared/ORACLE.md)."""
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

import mmlite.image as mi
from mmlite.image.warp import warp_affine, warp_perspective

GOLDEN = json.loads((Path(__file__).parents[1] / 'data' / 'mmcv172_image_warp_adjust_golden.json').read_text())


def _digest(array) -> str:
    array = np.asarray(array)
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()[:16] + str(array.shape) + str(array.dtype)


def _warps(lib, img, gray, out):
    for interp in ('nearest', 'bilinear'):
        for angle, scale, bound in ((30, 1.0, False), (-115.5, 1.4, True), (200, 0.7, False)):
            out[f'rotate_{interp}_{angle}_{bound}'] = _digest(lib.imrotate(
                img, angle, scale=scale, border_value=(1, 2, 3), interpolation=interp, auto_bound=bound))
        for mode in ('constant', 'replicate', 'reflect', 'wrap', 'reflect_101'):
            out[f'rotate_{interp}_{mode}'] = _digest(lib.imrotate(
                img.astype(np.float32), 41, center=(3.5, 20.), border_mode=mode, interpolation=interp))
        out[f'rotate_gray_{interp}'] = _digest(lib.imrotate(gray, 77, interpolation=interp, border_value=9))
        for direction in ('horizontal', 'vertical'):
            out[f'shear_{interp}_{direction}'] = _digest(lib.imshear(img, -0.37, direction, 7, interp))
            out[f'shear_gray_{interp}_{direction}'] = _digest(lib.imshear(gray, 0.61, direction, 3, interp))
            out[f'translate_{interp}_{direction}'] = _digest(lib.imtranslate(img, 5.3, direction, (4, 5, 6), interp))
            out[f'translate_neg_{interp}_{direction}'] = _digest(lib.imtranslate(img, -17, direction, 0, interp))


def _crops(lib, geometric, img, out):
    boxes = np.array([[-3.2, 4.7, 12.9, 30.1], [10.5, 2.2, 40.8, 15.6], [2, 3, 2, 3]])
    for scale in (1.0, 1.3):
        for fill in (None, 5, (1, 2, 3)):
            out[f'crop_{scale}_{fill}'] = [_digest(patch) for patch in lib.imcrop(img, boxes, scale, fill)]
        out[f'bbox_scaling_{scale}'] = geometric.bbox_scaling(boxes, scale, img.shape).tolist()
    out['crop_single'] = _digest(lib.imcrop(img, boxes[1]))
    out['bbox_clip'] = geometric.bbox_clip(boxes * 2, img.shape).tolist()
    for seed in range(3):
        np.random.seed(seed)
        out[f'cutout_{seed}'] = _digest(lib.cutout(img, (5, 7) if seed else 6, 9 if seed else (1, 2, 3)))
    for kwargs in (dict(scale_factor=1.5), dict(size=(9, 10), keep_ratio=True), dict(size=13)):
        resized, w_scale, h_scale = lib.imresize_to_multiple(img, (4, 3), return_scale=True, **kwargs)
        out[f'resize_to_multiple_{sorted(kwargs)}'] = [list(resized.shape), w_scale, h_scale]


def _adjustments(lib, img, out):
    floats = img.astype(np.float32)
    for factor in (0, 0.3, 0.9, 1.7):
        for name in ('adjust_brightness', 'adjust_contrast', 'adjust_sharpness', 'adjust_color'):
            out[f'{name}_{factor}'] = _digest(getattr(lib, name)(img, factor))
        out[f'adjust_brightness_float_{factor}'] = _digest(lib.adjust_brightness(floats, factor))
        out[f'adjust_contrast_float_{factor}'] = _digest(lib.adjust_contrast(floats, factor))
        # float sharpening and colour: last-bit differences (filter and gray arithmetic): compared by value
        out[f'values_adjust_sharpness_float_{factor}'] = lib.adjust_sharpness(floats, factor)[::4, ::4].tolist()
        out[f'values_adjust_color_float_{factor}'] = lib.adjust_color(floats, factor, gamma=3)[::4, ::4].tolist()
        for name in ('adjust_brightness', 'adjust_contrast', 'adjust_color'):
            out[f'{name}_pillow_{factor}'] = _digest(getattr(lib, name)(img, factor, backend='pillow'))
    for hue in (-0.4, 0.1, 0.5):
        out[f'adjust_hue_{hue}'] = _digest(lib.adjust_hue(img, hue))
        out[f'adjust_hue_pillow_{hue}'] = _digest(lib.adjust_hue(img, hue, backend='pillow'))
    out['adjust_color_beta_gamma'] = _digest(lib.adjust_color(img, 1.2, 0.4, 11))
    out['adjust_sharpness_kernel'] = _digest(lib.adjust_sharpness(img, 1.5, np.array([[0, 1.], [2, 1]]) / 4))
    out['imequalize'] = _digest(lib.imequalize(img))
    out['imequalize_flat'] = _digest(lib.imequalize(np.full((4, 5, 3), 17, np.uint8)))
    for cutoff in (0, 5, (2, 20)):
        out[f'auto_contrast_{cutoff}'] = _digest(lib.auto_contrast(img, cutoff))
    out['lut_transform'] = _digest(lib.lut_transform(img, np.linspace(0, 9, 256)))
    np.random.seed(1)
    out['adjust_lighting'] = _digest(lib.adjust_lighting(img, np.array([0.2, 0.1, 0.05]),
                                                         np.arange(9.).reshape(3, 3) / 9, 0.5))


def _colour_spaces(lib, img, out):
    for source in (img, img.astype(np.float32) / 255):
        kind = source.dtype.name
        for name in ('bgr2ycbcr', 'rgb2ycbcr'):
            out[f'{name}_{kind}'] = _digest(getattr(lib, name)(source))
            out[f'{name}_y_{kind}'] = _digest(getattr(lib, name)(source, y_only=True))
        ycbcr = lib.bgr2ycbcr(source)
        out[f'ycbcr2bgr_{kind}'] = _digest(lib.ycbcr2bgr(ycbcr))
        out[f'ycbcr2rgb_{kind}'] = _digest(lib.ycbcr2rgb(ycbcr))
    gray = img[..., 1]
    for clip_limit, grid in ((40.0, (8, 8)), (2.0, (4, 3)), (0, (2, 5)), (1.5, (1, 1))):
        out[f'clahe_{clip_limit}_{grid}'] = _digest(lib.clahe(gray, clip_limit, grid))
    out['clahe_flat'] = _digest(lib.clahe((gray // 8 + 100).astype(np.uint8), 3.0, (5, 5)))
    out['bgr2hsv_uint8'] = _digest(lib.bgr2hsv(img))
    out['values_hsv2bgr_uint8'] = lib.hsv2bgr(lib.bgr2hsv(img)).tolist()
    out['values_bgr2hls_uint8'] = lib.bgr2hls(img).tolist()
    out['values_hls2bgr_uint8'] = lib.hls2bgr(lib.bgr2hls(img)).tolist()
    out['values_bgr2hls_float32'] = lib.bgr2hls(img.astype(np.float32) / 255)[::3, ::3].tolist()


def _outputs(lib, geometric) -> dict:
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (23, 31, 3)).astype(np.uint8)
    gray = rng.integers(0, 256, (12, 17)).astype(np.uint8)
    out = {}
    _warps(lib, img, gray, out)
    _crops(lib, geometric, img, out)
    _adjustments(lib, img, out)
    _colour_spaces(lib, img, out)
    return out


@pytest.fixture(scope='module')
def outputs():
    return _outputs(mi, mi)


@pytest.mark.parametrize('name', sorted(GOLDEN))
def test_matches_mmcv(outputs, name):
    if not name.startswith('values_'):
        assert outputs[name] == GOLDEN[name]
        return
    ours, theirs = np.array(outputs[name]), np.array(GOLDEN[name])
    assert ours.shape == theirs.shape
    if name == 'values_hsv2bgr_uint8':  # OpenCV's x86 wheels leave 8-bit HSV (hue range 180) by their own path
        assert np.abs(ours - theirs).max() <= 1 and (ours != theirs).mean() < 0.5
    elif 'uint8' in name:  # OpenCV's SIMD HLS rounds a rare value the other way
        assert np.abs(ours - theirs).max() <= 1 and (ours != theirs).mean() < 0.002
    else:
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-4)


def test_warp_perspective_of_an_affine_matrix_is_the_affine_warp():
    img = np.random.default_rng(1).integers(0, 256, (19, 24, 3)).astype(np.uint8)
    matrix = np.array([[0.9, -0.2, 3.5], [0.25, 1.1, -2.25]])
    projective = np.vstack([matrix, [0, 0, 1]])
    for interp in ('nearest', 'bilinear'):
        # the two map coordinates differently in the last fixed-point bit (as OpenCV): compare loosely
        affine = warp_affine(img, matrix, (24, 19), interp).astype(int)
        diff = affine - warp_perspective(img, projective, (24, 19), interp)
        assert (np.abs(diff) > 2).mean() < 0.02
    identity = warp_affine(img, np.eye(2, 3), (24, 19))
    np.testing.assert_array_equal(identity, img)


def test_number_border_value_fills_every_channel():
    img = np.full((6, 8, 3), 50, np.uint8)
    rotated = mi.imrotate(img, 45, scale=0.3, border_value=7)
    assert (rotated[0, 0] == 7).all()  # mmcv's OpenCV call gave (7, 0, 0): docs/compat.md
    assert mi.imrotate(img[..., :1], 45).shape == (6, 8, 1)  # OpenCV dropped the channel axis
    assert (mi.imrotate(img, 45, scale=0.3, border_value=(-5, 300, 7.6))[0, 0] == (0, 255, 8)).all()  # saturated


def test_errors_name_the_argument():
    img = np.zeros((6, 8, 3), np.uint8)
    with pytest.raises(ValueError, match='auto_bound'):
        mi.imrotate(img, 10, center=(1, 1), auto_bound=True)
    with pytest.raises(ValueError, match="interpolation must be one of .* got 'bicubic'"):
        mi.imrotate(img, 10, interpolation='bicubic')
    with pytest.raises(ValueError, match="border_mode must be one of .* got 'transparent'"):
        mi.imrotate(img, 10, border_mode='transparent')
    with pytest.raises(ValueError, match="direction must be 'horizontal' or 'vertical', got 'diagonal'"):
        mi.imshear(img, 0.1, 'diagonal')
    with pytest.raises(ValueError, match='imtranslate border_value must be .* 3 values'):
        mi.imtranslate(img, 3, border_value=(1, 2))
    with pytest.raises(ValueError, match='2 values for an image with 3 channels'):
        warp_affine(img, np.eye(2, 3), (8, 6), border_value=(1, 2))
    with pytest.raises(ValueError, match='imcrop pad_fill has 2 values'):
        mi.imcrop(img, np.array([0, 0, 3, 3]), pad_fill=(1, 2))
    with pytest.raises(TypeError, match='cutout pad_val'):
        mi.cutout(img, 2, pad_val=[1, 2, 3])
    with pytest.raises(ValueError, match='exactly one of size or scale_factor'):
        mi.imresize_to_multiple(img, 4)
    with pytest.raises(ValueError, match="backend must be None, 'cv2' or 'pillow', got 'pil'"):
        mi.adjust_brightness(img, 0.5, backend='pil')
    with pytest.raises(TypeError, match="backend='pillow' needs a uint8"):
        mi.adjust_contrast(img.astype(np.float32), 0.5, backend='pillow')
    with pytest.raises(TypeError, match='kernel must be a 2-D'):
        mi.adjust_sharpness(img, 2, kernel=[[1]])
    with pytest.raises(ValueError, match=r'lut_transform needs a NumPy table of shape \(256,\)'):
        mi.lut_transform(img, np.arange(10))
    with pytest.raises(TypeError, match='uint8 .* or float32'):
        mi.bgr2ycbcr(img.astype(np.float64))
    with pytest.raises(ValueError, match=r'hue_factor must be in \[-0.5, 0.5\], got 0.7'):
        mi.adjust_hue(img, 0.7)
    with pytest.raises(ValueError, match=r'clahe needs a 2-D \(single-channel\) image, got shape \(6, 8, 3\)'):
        mi.clahe(img)
    with pytest.raises(TypeError, match='alphastd must be a float'):
        mi.adjust_lighting(img, np.ones(3), np.eye(3), alphastd=1)


def test_uint8_hsv_is_opencvs_8_bit_hsv():
    img = np.random.default_rng(3).integers(0, 256, (9, 11, 3)).astype(np.uint8)
    hsv = mi.bgr2hsv(img)
    assert hsv.dtype == np.uint8 and hsv[..., 0].max() < 180
    degrees = mi.bgr2hsv(img.astype(np.float32))
    assert np.abs(hsv[..., 0].astype(float) * 2 - degrees[..., 0]).max() <= 2  # hue in 2-degree steps
    assert np.abs(mi.hsv2bgr(hsv).astype(int) - img).max() <= 4
    gray = np.full((3, 4), 90, np.uint8)
    np.testing.assert_array_equal(mi.adjust_hue(gray[..., None].repeat(3, -1), 0.3)[..., 0], gray)
    assert mi.adjust_hue(gray, 0.2, backend='pillow') is gray


def test_imconvert_and_convert_color_factory_cover_hls():
    from mmlite.image.colorspace import convert_color_factory

    img = np.random.default_rng(2).integers(0, 256, (5, 6, 3)).astype(np.uint8)
    bgr2hls = convert_color_factory('bgr', 'hls')
    assert bgr2hls.__name__ == 'bgr2hls'
    np.testing.assert_array_equal(bgr2hls(img), mi.bgr2hls(img))
    np.testing.assert_array_equal(mi.imconvert(img, 'rgb', 'hls'), mi.bgr2hls(img[..., ::-1]))
    assert np.abs(mi.hls2bgr(mi.bgr2hls(img)).astype(int) - img).max() <= 4  # 8-bit HLS (hue in 2-degree steps)
