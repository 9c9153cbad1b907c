"""RoIAlign, NMS, RoI level mapping, box head targets and mask pasting."""
import numpy as np
import pytest
import torch

from mmlite.core.post_processing import multiclass_nms
from mmlite.models.roi_heads import Shared2FCBBoxHead, SingleRoIExtractor
from mmlite.models.roi_heads.mask_heads.fcn_mask_head import paste_masks_in_image
from mmlite.ops import RoIAlign, batched_nms, nms
from mmlite.utils import ConfigDict


def _bilinear(feat, y, x):
    h, w = feat.shape[-2:]
    if y < -1 or y > h or x < -1 or x > w:
        return torch.zeros(feat.shape[0])
    y, x = min(max(y, 0.), h - 1.), min(max(x, 0.), w - 1.)
    y0, x0 = int(np.floor(y)), int(np.floor(x))
    y1, x1 = min(y0 + 1, h - 1), min(x0 + 1, w - 1)
    ly, lx = y - y0, x - x0
    return ((1 - ly) * (1 - lx) * feat[:, y0, x0] + (1 - ly) * lx * feat[:, y0, x1] + ly * (1 - lx) * feat[:, y1, x0]
            + ly * lx * feat[:, y1, x1])


def _roi_align_reference(feat, roi, out, scale, ratio):
    """mmcv's aligned RoIAlign: box shifted by half a pixel, ``ratio x ratio`` samples per bin."""
    x1, y1, x2, y2 = [v * scale - 0.5 for v in roi]
    bin_h, bin_w = (y2 - y1) / out, (x2 - x1) / out
    result = torch.zeros(feat.shape[0], out, out)
    for i in range(out):
        for j in range(out):
            samples = [_bilinear(feat, y1 + (i + (a + 0.5) / ratio) * bin_h, x1 + (j + (b + 0.5) / ratio) * bin_w)
                       for a in range(ratio) for b in range(ratio)]
            result[:, i, j] = torch.stack(samples).mean(0)
    return result


def test_roi_align_matches_reference():
    feat = torch.randn(1, 2, 12, 16, generator=torch.Generator().manual_seed(0))
    roi = [3.0, 5.0, 40.0, 30.0]
    layer = RoIAlign(output_size=3, spatial_scale=0.25, sampling_ratio=2)
    out = layer(feat, torch.tensor([[0.] + roi]))
    torch.testing.assert_close(out[0], _roi_align_reference(feat[0], roi, 3, 0.25, 2), rtol=1e-4, atol=1e-5)
    with pytest.raises(NotImplementedError, match='pool_mode'):
        RoIAlign(7, pool_mode='max')


def test_nms_functions():
    boxes = torch.tensor([[0., 0., 10., 10.], [1., 1., 11., 11.], [50., 50., 60., 60.], [0., 0., 10., 9.]])
    scores = torch.tensor([0.9, 0.8, 0.7, 0.95])
    dets, keep = nms(boxes.numpy(), scores.numpy(), 0.5)
    assert isinstance(dets, np.ndarray) and keep.tolist() == [3, 2]
    labels = torch.tensor([0, 1, 0, 0])
    dets, keep = batched_nms(boxes, scores, labels, dict(type='nms', iou_threshold=0.5))
    assert keep.tolist() == [3, 1, 2] and dets[:, 4].tolist() == pytest.approx([0.95, 0.8, 0.7])
    _, keep = batched_nms(boxes, scores, labels, dict(type='nms', iou_threshold=0.5, class_agnostic=True))
    assert keep.tolist() == [3, 2]
    _, keep = batched_nms(boxes, scores, labels, None)
    assert keep.tolist() == [3, 0, 1, 2]
    with pytest.raises(KeyError, match='iou_thr'):
        batched_nms(boxes, scores, labels, dict(type='nms', iou=0.5))
    with pytest.raises(NotImplementedError, match='"nms" or "soft_nms"'):
        batched_nms(boxes, scores, labels, dict(type='matrix_nms', iou_threshold=0.5))


def test_multiclass_nms_drops_background_and_low_scores():
    boxes = torch.tensor([[0., 0., 10., 10.], [1., 1., 11., 11.]]).repeat(1, 2)  # 2 classes
    scores = torch.tensor([[0.6, 0.3, 0.1], [0.5, 0.04, 0.46]])  # last column: background
    dets, labels = multiclass_nms(boxes, scores, 0.05, dict(type='nms', iou_threshold=0.5), max_num=10)
    assert labels.tolist() == [0, 1] and dets[:, 4].tolist() == pytest.approx([0.6, 0.3])


def test_roi_levels_follow_finest_scale():
    extractor = SingleRoIExtractor(dict(type='RoIAlign', output_size=2, sampling_ratio=0), 1, [4, 8, 16, 32])
    sides = [50, 111, 112, 224, 448, 2000]
    rois = torch.tensor([[0., 0., 0., s, s] for s in sides])
    assert extractor.map_roi_levels(rois, 4).tolist() == [0, 0, 1, 2, 3, 3]


def test_roi_extractor_pools_each_roi_at_its_level():
    extractor = SingleRoIExtractor(dict(type='RoIAlign', output_size=2, sampling_ratio=2), 3, [4, 8])
    gen = torch.Generator().manual_seed(0)
    feats = [torch.randn(2, 3, 32, 32, generator=gen), torch.randn(2, 3, 16, 16, generator=gen)]
    rois = torch.tensor([[0., 0., 0., 40., 40.], [1., 8., 8., 120., 120.]])
    out = extractor(feats, rois)
    torch.testing.assert_close(out[0:1], RoIAlign(2, 1 / 4, 2)(feats[0], rois[0:1]))
    torch.testing.assert_close(out[1:2], RoIAlign(2, 1 / 8, 2)(feats[1], rois[1:2]))


class _Sampled:

    def __init__(self, pos, neg, pos_gt, labels):
        self.pos_bboxes, self.neg_bboxes, self.pos_gt_bboxes, self.pos_gt_labels = pos, neg, pos_gt, labels


def test_bbox_head_targets_and_loss():
    head = Shared2FCBBoxHead(in_channels=2, fc_out_channels=8, roi_feat_size=2, num_classes=3)
    pos = torch.tensor([[0., 0., 10., 10.]])
    sampled = _Sampled(pos, torch.tensor([[50., 50., 60., 60.], [70., 70., 80., 80.]]), pos + 1, torch.tensor([2]))
    labels, label_weights, targets, target_weights = head.get_targets([sampled], None, None, ConfigDict(pos_weight=-1))
    assert labels.tolist() == [2, 3, 3] and label_weights.tolist() == [1., 1., 1.]
    assert target_weights.sum(1).tolist() == [4., 0., 0.]
    torch.testing.assert_close(targets[0], torch.tensor([1., 1., 0., 0.]))  # (1 px / 10 px) / std 0.1
    cls_score, bbox_pred = torch.zeros(3, 4), torch.zeros(3, 12)
    rois = torch.cat([torch.zeros(3, 1), torch.cat([pos, sampled.neg_bboxes])], 1)
    losses = head.loss(cls_score, bbox_pred, rois, labels, label_weights, targets, target_weights)
    assert set(losses) == {'loss_cls', 'acc', 'loss_bbox'}
    assert losses['loss_cls'].item() == pytest.approx(np.log(4), rel=1e-5)
    # default SmoothL1(beta=1) of (1, 1, 0, 0): 0.5 + 0.5, averaged over the 3 sampled RoIs
    assert losses['loss_bbox'].item() == pytest.approx(1.0 / 3, rel=1e-5)


def test_paste_mask_fills_its_box():
    masks = torch.ones(1, 1, 28, 28)
    pasted = paste_masks_in_image(masks, torch.tensor([[2., 3., 6., 8.]]), 10, 12, threshold=0.5)
    expected = np.zeros((10, 12), bool)
    expected[3:8, 2:6] = True
    assert pasted.dtype == torch.bool and (pasted[0].numpy() == expected).all()
    soft = paste_masks_in_image(masks * 0.5, torch.tensor([[2., 3., 6., 8.]]), 10, 12, threshold=-1)
    assert soft.dtype == torch.uint8 and soft[0, 5, 3].item() == 127
