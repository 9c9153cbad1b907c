"""DataContainer, collate and scatter: every branch."""
import pytest
import torch

from mmlite.parallel import DataContainer, collate, scatter, scatter_kwargs


def test_data_container_properties():
    dc = DataContainer(torch.zeros(2, 3), stack=True, padding_value=-1, pad_dims=1)
    assert dc.stack and dc.padding_value == -1 and dc.pad_dims == 1 and not dc.cpu_only
    assert dc.datatype == 'torch.FloatTensor' and dc.size() == (2, 3) and dc.size(1) == 3
    assert dc.dim() == 2 and len(dc) == 2 and repr(dc).startswith('DataContainer(tensor')
    meta = DataContainer({'a': 1}, cpu_only=True)
    assert meta.datatype is dict and meta.cpu_only
    with pytest.raises(AttributeError, match='size'):
        meta.size()
    with pytest.raises(ValueError, match='pad_dims'):
        DataContainer(1, pad_dims=4)


def test_collate_stacks_with_padding_per_gpu_chunk():
    imgs = [DataContainer(torch.ones(3, h, w), stack=True, padding_value=7)
            for h, w in [(4, 5), (6, 2), (3, 3), (2, 2)]]
    batch = collate(imgs, samples_per_gpu=2)
    assert isinstance(batch, DataContainer) and batch.stack
    first, second = batch.data
    assert first.shape == (2, 3, 6, 5) and second.shape == (2, 3, 3, 3)
    assert first[0, 0, 4, 0] == 7 and first[1, 0, 0, 3] == 7 and first[0, 0, 3, 4] == 1


def test_collate_pad_dims_variants():
    one = collate([DataContainer(torch.ones(2, 3), stack=True, pad_dims=1),
                   DataContainer(torch.ones(2, 5), stack=True, pad_dims=1)], 2)
    assert one.data[0].shape == (2, 2, 5)
    none = collate([DataContainer(torch.ones(2), stack=True, pad_dims=None)] * 2, 2)
    assert none.data[0].shape == (2, 2)
    with pytest.raises(ValueError, match='non-padded dimension'):
        collate([DataContainer(torch.ones(1, 2, 2), stack=True),
                 DataContainer(torch.ones(3, 2, 2), stack=True)], 2)
    with pytest.raises(ValueError, match='cannot pad'):
        collate([DataContainer(torch.ones(2), stack=True, pad_dims=2)], 1)
    with pytest.raises(TypeError, match='stack=True needs tensors'):
        collate([DataContainer([1], stack=True)], 1)


def test_collate_cpu_only_lists_nested_and_defaults():
    samples = [dict(img=DataContainer(torch.ones(1, 2, 2), stack=True),
                    img_metas=DataContainer(dict(id=i), cpu_only=True),
                    gt=DataContainer(torch.full((i + 1, 4), float(i))),
                    label=torch.tensor(i), name=f'n{i}', pair=(i, [i]))
               for i in range(3)]
    batch = collate(samples, samples_per_gpu=2)
    assert batch['img_metas'].cpu_only and batch['img_metas'].data == [[{'id': 0}, {'id': 1}], [{'id': 2}]]
    assert [len(chunk) for chunk in batch['gt'].data] == [2, 1] and not batch['gt'].stack
    assert torch.equal(batch['label'], torch.tensor([0, 1, 2]))
    assert batch['name'] == ['n0', 'n1', 'n2']
    assert torch.equal(batch['pair'][0], torch.tensor([0, 1, 2]))
    with pytest.raises(TypeError):
        collate(torch.ones(3))
    with pytest.raises(ValueError, match='empty'):
        collate([])


def test_scatter_to_cpu_unwraps_containers():
    batch = collate([dict(img=DataContainer(torch.ones(1, 2, 2), stack=True),
                          img_metas=DataContainer(dict(id=i), cpu_only=True),
                          x=torch.tensor([float(i)])) for i in range(2)], samples_per_gpu=2)
    inputs, kwargs = scatter_kwargs((), batch, [-1])
    assert len(inputs) == len(kwargs) == 1 and inputs[0] == ()
    data = kwargs[0]
    assert data['img'].shape == (2, 1, 2, 2) and data['img_metas'] == [{'id': 0}, {'id': 1}]
    assert torch.equal(data['x'], torch.tensor([[0.], [1.]]))
    (scattered, ) = scatter((torch.ones(2), 'text', 3), [-1])
    assert torch.equal(scattered[0], torch.ones(2)) and scattered[1:] == ('text', 3)
    args, kw = scatter_kwargs((torch.ones(2), ), {}, [-1])
    assert kw == ({}, ) and torch.equal(args[0][0], torch.ones(2))


def test_scatter_keeps_autograd_and_splits_plain_tensors():
    x = torch.ones(4, 2, requires_grad=True)
    pieces = scatter(x, [-1])
    assert pieces[0] is x
    nested = scatter([x, {'k': x}], [-1])
    assert nested[0][0] is x and nested[0][1]['k'] is x
