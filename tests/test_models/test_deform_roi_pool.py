"""Deformable RoI pooling (mmcv.ops' DeformRoIPool, DeformRoIPoolPack, ModulatedDeformRoIPoolPack; CUDA-only in
mmcv): against a line-by-line NumPy transcription of mmcv's kernel, torchvision's aligned RoIAlign (no offsets),
numerical gradients, and the dcn/dpool + dcnv2/mdpool Faster R-CNN configs and layouts of mmdet 2.28.2."""
import json
import math
import os.path as osp

import numpy as np
import pytest
import torch

from mmlite.models import build_detector
from mmlite.ops import DeformRoIPoolPack, ModulatedDeformRoIPoolPack, RoIAlign, deform_roi_pool

from ._tiny import CONFIGS, assert_config_and_layout, tiny_model_cfg, toy_batch

DATA = osp.join(osp.dirname(__file__), '..', 'data')


def _kernel_bilinear(img, height, width, y, x):
    if y < -1.0 or y > height or x < -1.0 or x > width:
        return 0.0
    y, x = max(y, 0.0), max(x, 0.0)
    y_low, x_low = int(y), int(x)
    if y_low >= height - 1:
        y_high = y_low = height - 1
        y = float(y_low)
    else:
        y_high = y_low + 1
    if x_low >= width - 1:
        x_high = x_low = width - 1
        x = float(x_low)
    else:
        x_high = x_low + 1
    ly, lx = y - y_low, x - x_low
    hy, hx = 1 - ly, 1 - lx
    return (hy * hx * img[y_low, x_low] + hy * lx * img[y_low, x_high] + ly * hx * img[y_high, x_low]
            + ly * lx * img[y_high, x_high])


def _kernel(inp, rois, offset, pooled, scale, ratio, gamma):
    """mmcv's deform_roi_pool_forward_cuda_kernel, one output element at a time."""
    out = np.zeros((len(rois), inp.shape[1], pooled, pooled))
    height, width = inp.shape[2:]
    for n, c, ph, pw in np.ndindex(out.shape):
        b, x1, y1, x2, y2 = rois[n]
        start_w, start_h = x1 * scale - 0.5, y1 * scale - 0.5
        roi_w, roi_h = x2 * scale - 0.5 - start_w, y2 * scale - 0.5 - start_h
        bin_h, bin_w = roi_h / pooled, roi_w / pooled
        grid_h = ratio if ratio > 0 else int(math.ceil(roi_h / pooled))
        grid_w = ratio if ratio > 0 else int(math.ceil(roi_w / pooled))
        if offset is not None:
            start_w += gamma * roi_w * offset[n, 0, ph, pw]
            start_h += gamma * roi_h * offset[n, 1, ph, pw]
        total = 0.0
        for iy in range(grid_h):
            y = start_h + ph * bin_h + (iy + .5) * bin_h / grid_h
            for ix in range(grid_w):
                x = start_w + pw * bin_w + (ix + .5) * bin_w / grid_w
                total += _kernel_bilinear(inp[int(b), c], height, width, y, x)
        out[n, c, ph, pw] = total / max(grid_h * grid_w, 1)
    return out


ROIS = torch.tensor([[0, 2., 3., 15., 12.], [1, 0., 0., 23., 19.], [0, 5., 5., 5.5, 30.], [1, 20., 2., 40., 8.]],
                    dtype=torch.float64)


@pytest.mark.parametrize('ratio', [0, 2])
def test_matches_mmcv_kernel_with_offsets_and_roi_align_without(ratio):
    gen = torch.Generator().manual_seed(5)
    inp = torch.randn(2, 3, 10, 12, generator=gen, dtype=torch.float64)
    offset = torch.randn(len(ROIS), 2, 3, 3, generator=gen, dtype=torch.float64)  # shifts beyond the border too
    mine = deform_roi_pool(inp, ROIS, offset, 3, 0.5, ratio, gamma=0.4)
    np.testing.assert_allclose(mine.numpy(), _kernel(inp.numpy(), ROIS.numpy(), offset.numpy(), 3, 0.5, ratio, 0.4),
                               rtol=1e-12, atol=1e-12)
    plain = deform_roi_pool(inp.float(), ROIS.float(), None, 3, 0.5, ratio)
    aligned = RoIAlign(3, spatial_scale=0.5, sampling_ratio=ratio, aligned=True)(inp.float(), ROIS.float())
    assert torch.allclose(plain, aligned, atol=1e-6)


def test_gradients_reach_the_features_and_the_offsets():
    gen = torch.Generator().manual_seed(6)
    inp = torch.randn(2, 2, 8, 9, generator=gen, dtype=torch.float64, requires_grad=True)
    # offsets away from sample positions on pixel edges (where bilinear interpolation has a kink)
    offset = (torch.rand(len(ROIS), 2, 2, 2, generator=gen, dtype=torch.float64) * 0.3 + 0.013).requires_grad_()
    assert torch.autograd.gradcheck(lambda i, o: deform_roi_pool(i, ROIS, o, 2, 0.5, 2, 0.3), (inp, offset))


def test_packs_start_as_roi_align_and_learn_offsets():
    gen = torch.Generator().manual_seed(7)
    feats = torch.randn(2, 4, 16, 16, generator=gen)
    rois = ROIS.float()
    plain = deform_roi_pool(feats, rois, None, 7, 0.5, 0)
    dpool = DeformRoIPoolPack(7, 4, deform_fc_channels=8, spatial_scale=0.5)
    mdpool = ModulatedDeformRoIPoolPack(7, 4, deform_fc_channels=8, spatial_scale=0.5)
    assert torch.allclose(dpool(feats, rois), plain) and torch.allclose(mdpool(feats, rois), plain * 0.5)
    mdpool(feats, rois).sum().backward()
    assert mdpool.offset_fc[-1].weight.grad.abs().sum() > 0 and mdpool.mask_fc[2].weight.grad.abs().sum() > 0
    with pytest.raises(ValueError, match='channels'):
        dpool(feats[:, :3], rois)


@pytest.mark.parametrize('path', ['dcn/faster_rcnn_r50_fpn_dpool_1x_coco.py',
                                  'dcnv2/faster_rcnn_r50_fpn_mdpool_1x_coco.py'])
def test_configs_and_layouts_match_mmdet_and_train(path):
    recorded = json.load(open(osp.join(DATA, 'mmdet2282_dpool_layouts.json')))[path]
    assert_config_and_layout(osp.join(CONFIGS, path), recorded)
    model = build_detector(tiny_model_cfg('mdpool' if 'mdpool' in path else 'dpool')).train()
    batch = toy_batch()
    torch.manual_seed(0)
    losses = model.forward_train(batch['img'], batch['img_metas'], gt_bboxes=batch['gt_bboxes'],
                                 gt_labels=batch['gt_labels'])
    loss, log_vars = model._parse_losses(losses)
    assert math.isfinite(float(loss)) and 'loss_bbox' in log_vars
    loss.backward()
    # the offsets learn: the last offset fc (zero at the start) of some level gets a gradient
    assert sum(float(layer.offset_fc[-1].weight.grad.abs().sum()) for layer in model.roi_head.bbox_roi_extractor
               .roi_layers if layer.offset_fc[-1].weight.grad is not None) > 0
