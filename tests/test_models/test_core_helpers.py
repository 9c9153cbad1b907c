"""mmdet.core's small box, mask and tensor helpers against mmdet 2.28.2
(tests/data/mmdet2282_core_helpers_golden.json), plus the distributed helpers on one process."""
import json
import warnings
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest
import torch

from mmlite.core.bbox import (PseudoBBoxCoder, bbox2distance, bbox_cxcywh_to_xyxy, bbox_rescale, bbox_xyxy_to_cxcywh,
                              distance2bbox, find_inside_bboxes)
from mmlite.core.mask import BitmapMasks, mask2bbox
from mmlite.core.utils import (DistOptimizerHook, all_reduce_dict, allreduce_grads, center_of_mass, flip_tensor,
                               generate_coordinate, mask2ndarray, sync_random_seed)

GOLDEN = json.loads((Path(__file__).parents[1] / 'data' / 'mmdet2282_core_helpers_golden.json').read_text())


def _outputs() -> dict:
    generator = torch.Generator().manual_seed(0)

    def rand(*shape):
        return torch.rand(*shape, generator=generator)

    boxes = rand(6, 4) * 50
    boxes[:, 2:] += boxes[:, :2]
    rois = torch.cat([torch.arange(6.)[:, None], boxes], 1)
    points, distances = rand(6, 2) * 60, rand(6, 4) * 30
    batch_points, batch_distances = rand(2, 5, 2) * 60, rand(2, 5, 4) * 30
    masks = rand(4, 12, 15) > 0.9
    masks[2] = False
    return dict(
        c2x=bbox_cxcywh_to_xyxy(boxes), x2c=bbox_xyxy_to_cxcywh(boxes), resc=bbox_rescale(boxes, 1.3),
        resc_roi=bbox_rescale(rois, 0.7), d2b=distance2bbox(points, distances),
        d2b_clip=distance2bbox(points, distances, (40, 50)),
        d2b_batch=distance2bbox(batch_points, batch_distances, torch.tensor([[40., 50., 3.], [30., 70., 3.]])),
        d2b_batch1=distance2bbox(batch_points, batch_distances, (40, 50)), b2d=bbox2distance(points, boxes),
        b2d_max=bbox2distance(points, boxes, 20), inside=find_inside_bboxes(boxes - 20, 30, 25), m2b=mask2bbox(masks),
        flip=[flip_tensor(torch.arange(24.).view(1, 2, 3, 4), d) for d in ('horizontal', 'vertical', 'diagonal')],
        com=list(center_of_mass(masks[0].float())), coord=generate_coordinate((2, 3, 4, 5), device='cpu'),
        pseudo=[PseudoBBoxCoder().encode(boxes, boxes + 1), PseudoBBoxCoder().decode(boxes, boxes + 2)])


@pytest.mark.parametrize('name', sorted(GOLDEN))
def test_matches_mmdet(name):
    ours = _outputs()[name]
    as_list = [t.tolist() for t in ours] if isinstance(ours, list) else ours.tolist()
    if name == 'com':
        as_list = [float(v) for v in ours]
    np.testing.assert_allclose(np.array(as_list, dtype=float), np.array(GOLDEN[name], dtype=float), rtol=1e-5,
                               atol=1e-5)


def test_single_process_distributed_helpers_and_errors():
    assert sync_random_seed(7) == 7 and isinstance(sync_random_seed(), int)
    with pytest.raises(TypeError, match='seed must be an int'):
        sync_random_seed(1.5)
    values = OrderedDict(loss=torch.tensor(2.0))
    assert all_reduce_dict(values, op='mean') is values
    with pytest.raises(ValueError, match="'sum' or 'mean'"):
        all_reduce_dict(values, op='max')
    layer = torch.nn.Linear(2, 1)
    layer(torch.ones(1, 2)).sum().backward()
    before = layer.weight.grad.clone()
    allreduce_grads(list(layer.parameters()))
    torch.testing.assert_close(layer.weight.grad, before)
    with pytest.warns(DeprecationWarning, match='OptimizerHook'):
        DistOptimizerHook(grad_clip=None)
    with pytest.raises(ValueError, match='4-D tensor'):
        flip_tensor(torch.zeros(2, 2), 'horizontal')
    masks = BitmapMasks(np.zeros((1, 3, 4), np.uint8), 3, 4)
    assert mask2ndarray(masks).shape == (1, 3, 4) and mask2ndarray(torch.ones(1, 2, 2)).shape == (1, 2, 2)
    with pytest.raises(TypeError, match='Unsupported'):
        mask2ndarray([1])
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        assert generate_coordinate((1, 1, 2, 2)).device.type in ('cpu', 'cuda')  # the CUDA default falls back
