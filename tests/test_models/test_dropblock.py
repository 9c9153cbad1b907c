"""``DropBlock``: square blocks dropped at mmdet's rate with its warm-up and rescaling; under the same torch
seed the outputs are mmdet 2.28.2's (sums below read off mmdet with ``torch.manual_seed(0)``)."""
import pytest
import torch

from mmlite.cnn import build_plugin_layer
from mmlite.models.plugins import DropBlock

# mmdet 2.28.2: DropBlock(0.3, 3, warmup_iters=4) on torch.rand(2, 3, 11, 13) after torch.manual_seed(0)
MMDET_SUMS = [428.1920471191406, 428.0210876464844, 423.7741394042969, 424.94000244140625, 434.3430480957031,
              423.7615966796875]


def test_matches_mmdet_under_the_same_seed():
    torch.manual_seed(0)
    x = torch.rand(2, 3, 11, 13)
    drop = DropBlock(0.3, 3, warmup_iters=4)
    assert [drop(x).sum().item() for _ in range(6)] == pytest.approx(MMDET_SUMS, rel=1e-6)
    assert repr(drop) == 'DropBlock(drop_prob=0.3, block_size=3, warmup_iters=4)'


def test_drops_whole_blocks_rescales_and_warms_up():
    torch.manual_seed(1)
    drop = DropBlock(0.2, 5, warmup_iters=10)
    x = torch.ones(4, 2, 20, 20)
    out = drop(x)
    zero = out == 0
    assert zero.any() and not zero.all()
    kept = out[~zero]
    assert torch.allclose(kept, kept[0].expand_as(kept)) and kept[0] > 1  # survivors scaled up alike
    # a dropped pixel lies in a 5x5 square of dropped pixels (blocks are whole squares)
    n, c, i, j = zero.nonzero()[0].tolist()
    windows = torch.nn.functional.avg_pool2d(zero[n, c][None, None].float(), 5, stride=1)[0, 0]
    assert (windows == 1).any()
    assert drop._compute_gamma((20, 20)) == pytest.approx(0.2 * 400 / 256 / 25 * 0.1)  # 1 of 10 warm-up calls
    drop.iter_cnt = 11
    assert drop._compute_gamma((20, 20)) == pytest.approx(0.2 * 400 / 256 / 25)
    drop.eval()
    assert drop(x) is x


def test_built_as_a_plugin_and_checked():
    name, layer = build_plugin_layer(dict(type='DropBlock', drop_prob=0.1, block_size=3))
    assert isinstance(layer, DropBlock) and layer.warmup_iters == 2000
    with pytest.raises(ValueError, match='block_size must be odd'):
        DropBlock(0.1, 4)
    with pytest.raises(ValueError, match=r'drop_prob must be in \(0, 1\]'):
        DropBlock(0, 3)
