"""mmdet.core.visualization's names: palettes, and drawing results with their ground truth."""
import numpy as np
import pycocotools.mask as mask_util
import pytest

from mmlite.core import INSTANCE_OFFSET
from mmlite.core.visualization import get_palette, imshow_det_bboxes, imshow_gt_det_bboxes, palette_val


def test_palettes_as_mmdet():
    """Values recorded from mmdet 2.28.2's get_palette / palette_val."""
    assert palette_val([(255, 0, 51)]) == [(1.0, 0.0, 0.2)]
    assert get_palette((1, 2, 3), 2) == [(1, 2, 3), (1, 2, 3)]
    assert get_palette('coco', 3)[:3] == [(220, 20, 60), (119, 11, 32), (0, 0, 142)]
    assert len(get_palette('coco', 80)) == 80 and len(get_palette('coco', 100)) == 133  # COCO panoptic's
    assert get_palette('voc', 2)[:2] == [(106, 0, 228), (119, 11, 32)]
    assert get_palette('citys', 8)[:2] == [(220, 20, 60), (255, 0, 0)]
    with pytest.raises(ValueError, match="'citys' palette has 8 colours but 9"):
        get_palette('citys', 9)
    assert get_palette('random', 4) == [(102, 179, 92), (14, 106, 71), (188, 20, 102), (121, 210, 214)]


def _image():
    return np.full((40, 60, 3), 128, np.uint8)


def test_masks_without_boxes_are_drawn_and_labelled():
    masks = np.zeros((1, 40, 60), bool)
    masks[0, 10:20, 5:15] = True
    out = imshow_det_bboxes(_image(), labels=np.array([0]), segms=masks, class_names=['a'], show=False,
                            mask_color=[(255, 0, 0)])
    assert out.shape == (40, 60, 3) and (out[15, 10] != 128).any() and (out[35, 50] == 128).all()


def test_ground_truth_and_results_overlaid_or_stacked(tmp_path):
    gt = dict(gt_bboxes=np.array([[5, 5, 20, 20]], np.float32), gt_labels=np.array([1]))
    result = [np.zeros((0, 5), np.float32), np.array([[30, 10, 50, 30, 0.9]], np.float32)]
    overlaid = imshow_gt_det_bboxes(_image(), gt, result, class_names=['a', 'b'], show=False,
                                    out_file=str(tmp_path / 'o.png'))
    stacked = imshow_gt_det_bboxes(_image(), gt, result, class_names=['a', 'b'], show=False, overlay_gt_pred=False)
    assert overlaid.shape == (40, 60, 3) and stacked.shape == (80, 60, 3) and (tmp_path / 'o.png').is_file()
    # the ground-truth box (gt colour) is in the upper half only, the detection (det colour) in the lower
    assert tuple(stacked[5, 10][::-1]) == (61, 102, 255) and tuple(stacked[40 + 10, 40][::-1]) == (241, 101, 72)


def test_rle_masks_and_panoptic_results_are_drawn():
    mask = np.zeros((40, 60), np.uint8, order='F')
    mask[5:15, 5:15] = 1
    rle = mask_util.encode(mask)
    gt = dict(gt_bboxes=np.zeros((0, 4), np.float32), gt_labels=np.zeros(0, np.int64))
    boxes = [np.array([[5, 5, 15, 15, 0.8]], np.float32)]
    out = imshow_gt_det_bboxes(_image(), gt, (boxes, [[rle]]), class_names=['a'], show=False)
    assert (out[10, 10] != 128).any()
    pan = np.full((40, 60), 2, np.int32)  # 2 classes: VOID
    pan[20:30, 20:40] = 1 + INSTANCE_OFFSET
    out = imshow_gt_det_bboxes(_image(), gt, dict(pan_results=pan), class_names=['a', 'b'], show=False)
    assert (out[25, 30] != 128).any() and (out[2, 2] == 128).all()
    with pytest.raises(ValueError, match='class_names'):
        imshow_gt_det_bboxes(_image(), gt, dict(pan_results=pan), show=False)


def test_panoptic_ground_truth_draws_stuff_regions_beside_thing_boxes():
    masks = np.zeros((1, 40, 60), np.uint8)
    masks[0, 5:15, 5:15] = 1
    seg = np.full((40, 60), 255, np.uint8)
    seg[5:15, 5:15] = 0  # the thing
    seg[25:, :] = 2      # a stuff class
    gt = dict(gt_bboxes=np.array([[5, 5, 15, 15]], np.float32), gt_labels=np.array([0]), gt_masks=masks,
              gt_semantic_seg=seg)
    out = imshow_gt_det_bboxes(_image(), gt, [np.zeros((0, 5), np.float32)] * 3, class_names=['a', 'b', 'c'],
                               show=False)
    assert (out[10, 10] != 128).any() and (out[35, 30] != 128).any() and (out[20, 30] == 128).all()
