"""mmcv.image's colour names, conversions, in-place flip, resize-like and box drawing against mmcv 1.7.2
(with OpenCV; tests/data/mmcv172_image_extras_golden.json, images compared by SHA-256)."""
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

import mmlite as m

GOLDEN = json.loads((Path(__file__).parents[1] / 'data' / 'mmcv172_image_extras_golden.json').read_text())


def _digest(array: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()[:16] + str(array.shape) + str(array.dtype)


def _outputs() -> dict:
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (37, 53, 3)).astype(np.uint8)
    gray = rng.integers(0, 256, (20, 30)).astype(np.uint8)
    out = dict(color_val=[list(map(int, m.color_val(c))) for c in ['green', 'red', (1, 2, 3), 7, np.array([9, 8, 7])]],
               Color=[list(c.value) for c in m.Color], rgb2gray=m.rgb2gray(img).astype(int).tolist(),
               bgr2gray=m.bgr2gray(img).astype(int).tolist(), rgb2gray_keep=list(m.rgb2gray(img, keepdim=True).shape),
               gray2rgb=_digest(m.gray2rgb(gray)), iminvert=_digest(m.iminvert(img)),
               imconvert=_digest(m.imconvert(img, 'bgr', 'rgb')), posterize=_digest(m.posterize(img, 3)),
               solarize=_digest(m.solarize(img, 100)))
    for direction in ('horizontal', 'vertical', 'diagonal'):
        copy = img.copy()
        flipped = m.imflip_(copy, direction)
        out[f'flip_{direction}'] = [_digest(flipped), flipped is copy]
    resized, w_scale, h_scale = m.imresize_like(img, np.zeros((20, 25, 3), np.uint8), return_scale=True)
    out['resize_like'] = [list(resized.shape), w_scale, h_scale]
    boxes = [np.array([[3, 4, 20, 30, 0.9], [10, 2, 40, 15, 0.8], [0, 0, 52, 36, 0.1]], np.float32),
             np.array([[5, 5, 9, 9]], np.float32)]
    out['bboxes'] = _digest(m.imshow_bboxes(img.copy(), boxes, colors=['green', (10, 20, 30)], top_k=2, thickness=1,
                                            show=False))
    out['bboxes1'] = _digest(m.imshow_bboxes(img.copy(), boxes[0], colors='red', show=False))
    return out


@pytest.mark.parametrize('name', sorted(GOLDEN))
def test_matches_mmcv(name):
    assert _outputs()[name] == GOLDEN[name]


def test_errors_and_input_kept(tmp_path):
    with pytest.raises(ValueError, match='unknown colour name'):
        m.color_val('teal')
    with pytest.raises(ValueError, match='three ints in \\[0, 255\\]'):
        m.color_val((1, 2, 300))
    with pytest.raises(TypeError, match='Invalid type'):
        m.color_val(1.5)
    with pytest.raises(ValueError, match='not supported'):
        m.imconvert(np.zeros((2, 2, 3), np.uint8), 'bgr', 'lab')
    img = np.zeros((10, 10, 3), np.uint8)
    with pytest.raises(ValueError, match='2 colours for 1 groups'):
        m.imshow_bboxes(img, [np.zeros((1, 4))], colors=['red', 'green'], show=False)
    drawn = m.imshow_bboxes(img, np.array([[1, 1, 5, 5]]), show=False, out_file=str(tmp_path / 'b.png'))
    assert img.sum() == 0 and drawn.sum() > 0 and (tmp_path / 'b.png').exists()
