"""Small mmcv/mmdet helpers kept for user code: to_ntuple, floordiv, device queries, WrapFieldsToLists."""
import torch

from mmlite.utils import to_1tuple, to_3tuple, to_4tuple, to_ntuple
from mmlite.utils.device_type import is_ipu_available, is_mlu_available, is_mps_available, is_npu_available
from mmlite.utils.misc import floordiv


def test_to_ntuple_repeats_scalars_and_keeps_iterables():
    assert to_1tuple(3) == (3, )
    assert to_3tuple(2) == (2, 2, 2)
    assert to_4tuple([1, 2]) == (1, 2)  # an iterable is kept as it is, as in mmcv
    assert to_ntuple(5)('ab') == ('ab', ) * 5  # a str is a scalar here


def test_floordiv_rounds_as_asked():
    x = torch.tensor([-7, 7])
    assert floordiv(x, 2).tolist() == [-3, 3]
    assert floordiv(x, 2, rounding_mode='floor').tolist() == [-4, 3]


def test_device_queries():
    assert not (is_ipu_available() or is_mlu_available() or is_npu_available())
    assert is_mps_available() == bool(getattr(torch.backends, 'mps', None) and torch.backends.mps.is_available())


def test_wrap_fields_to_lists():
    from mmlite.datasets import PIPELINES
    step = PIPELINES.build(dict(type='WrapFieldsToLists'))
    assert step({'img': 1, 'img_metas': {'a': 2}}) == {'img': [1], 'img_metas': [{'a': 2}]}
    assert repr(step) == 'WrapFieldsToLists()'
