"""mmlite.apis used from a user's script: train_detector, init_detector, inference_detector."""
import asyncio
import os.path as osp

import numpy as np
import pytest
import torch

from mmlite.apis import async_inference_detector, inference_detector, init_detector, show_result_pyplot, train_detector
from mmlite.datasets import build_dataset
from mmlite.image import imread
from mmlite.models import build_detector
from mmlite.utils import Config


def test_train_detector_from_a_script(tiny_config, tmp_path):
    cfg = Config.fromfile(tiny_config)
    cfg.work_dir = str(tmp_path)
    cfg.runner.max_epochs = 1
    cfg.seed = 0
    cfg.gpu_ids = [0]
    torch.manual_seed(0)
    model = build_detector(cfg.model)
    model.init_weights()
    dataset = build_dataset(cfg.data.train)
    model.CLASSES = dataset.CLASSES
    train_detector(model, dataset, cfg, validate=True, timestamp='20260101_000000', meta=dict(seed=0))
    assert osp.isfile(tmp_path / 'epoch_1.pth') and osp.isfile(tmp_path / '20260101_000000.log.json')
    assert cfg.runner.max_epochs == 1 and 'train_dataloader' not in cfg.data  # the caller's cfg is untouched


def test_inference_on_paths_and_arrays(tiny_config, trained):
    model = init_detector(tiny_config, osp.join(trained, 'latest.pth'), device='cpu')
    assert model.CLASSES == ('rectangle', 'ellipse', 'triangle') and not model.training
    image = osp.join(osp.dirname(Config.fromfile(tiny_config).data.test.ann_file), '..', 'val', '000001.jpg')
    from_path = inference_detector(model, image)
    from_array = inference_detector(model, imread(image))
    assert len(from_path) == 3 and all(d.shape[1] == 5 for d in from_path)
    for a, b in zip(from_path, from_array):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-4)
    batch = inference_detector(model, [image, image])
    assert len(batch) == 2


@pytest.mark.skipif(torch.cuda.is_available(), reason='checks the fallback of a machine without CUDA')
def test_init_detector_on_a_machine_without_cuda_uses_the_cpu(tiny_config, trained):
    with pytest.warns(UserWarning, match='CUDA is not available'):
        model = init_detector(tiny_config, osp.join(trained, 'latest.pth'))  # default device='cuda:0'
    assert next(model.parameters()).device.type == 'cpu'


def test_init_detector_rejects_bad_config_type():
    with pytest.raises(TypeError, match='filename or Config'):
        init_detector(42)


def test_async_inference_and_show_result_pyplot(tiny_config, trained, monkeypatch, tmp_path):
    plt = pytest.importorskip('matplotlib.pyplot')
    model = init_detector(tiny_config, osp.join(trained, 'latest.pth'), device='cpu')
    image = osp.join(osp.dirname(Config.fromfile(tiny_config).data.test.ann_file), '..', 'val', '000001.jpg')
    awaited = asyncio.run(async_inference_detector(model, image))
    assert len(awaited) == 1  # always a list, as mmdet's
    for a, b in zip(awaited[0], inference_detector(model, image)):
        np.testing.assert_array_equal(a, b)
    shown = []
    monkeypatch.setattr(plt, 'show', lambda *args, **kwargs: shown.append(plt.gca().get_title()))
    result = [np.array([[10, 10, 40, 40, 0.9]], np.float32), np.zeros((0, 5), np.float32), np.zeros((0, 5), np.float32)]
    drawn = show_result_pyplot(model, image, result, title='mine', palette=(255, 0, 0),
                               out_file=str(tmp_path / 'shown.png'))
    assert shown == ['mine'] and (tmp_path / 'shown.png').is_file()
    assert drawn[25, 10].tolist() == [0, 0, 255]  # the box edge in the palette's red (BGR image)
