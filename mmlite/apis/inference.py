"""``init_detector``, ``inference_detector`` and ``show_result_pyplot``: a trained detector on
images in a few lines."""
from __future__ import annotations

import asyncio
import copy
import warnings

import numpy as np
import torch

from ..core.evaluation import get_classes
from ..datasets import replace_ImageToTensor
from ..datasets.pipelines import Compose
from ..models import build_detector
from ..parallel import collate, scatter
from ..runner import load_checkpoint
from ..utils import Config


def init_detector(config, checkpoint: str | None = None, device: str = 'cuda:0', cfg_options: dict | None = None):
    """Build the detector of ``config`` (a path or Config), load ``checkpoint``, move it to
    ``device`` in eval mode (a CUDA device on a machine without CUDA: the CPU, with a warning).
    ``model.CLASSES`` comes from the checkpoint's meta (else COCO's)."""
    if isinstance(config, str):
        config = Config.fromfile(config)
    elif not isinstance(config, Config):
        raise TypeError(f'config must be a filename or Config object, but got {type(config)}')
    if cfg_options is not None:
        config.merge_from_dict(cfg_options)
    if 'pretrained' in config.model:
        config.model.pretrained = None
    elif 'init_cfg' in config.model.get('backbone', {}):
        config.model.backbone.init_cfg = None
    config.model.train_cfg = None
    model = build_detector(config.model, test_cfg=config.get('test_cfg'))
    if checkpoint is not None:
        ckpt = load_checkpoint(model, checkpoint, map_location='cpu')
        if 'CLASSES' in ckpt.get('meta', {}):
            model.CLASSES = ckpt['meta']['CLASSES']
        else:
            warnings.warn('Class names are not saved in the checkpoint\'s meta data, use COCO classes by default.')
            model.CLASSES = get_classes('coco')
    model.cfg = config
    if torch.device(device).type == 'cuda' and not torch.cuda.is_available():
        warnings.warn(f'init_detector(device={device!r}): CUDA is not available on this machine; using the CPU')
        device = 'cpu'
    model.to(device)
    model.eval()
    return model


def _test_pipeline(cfg, from_arrays: bool) -> Compose:
    cfg = copy.deepcopy(cfg)
    if from_arrays:
        cfg.data.test.pipeline[0].type = 'LoadImageFromWebcam'
    return Compose(replace_ImageToTensor(cfg.data.test.pipeline))


def inference_detector(model, imgs):
    """Detections for one image (a path or a BGR array) or a list of them (then a list back)."""
    is_batch = isinstance(imgs, (list, tuple))
    imgs = list(imgs) if is_batch else [imgs]
    if not imgs:
        raise ValueError('inference_detector needs at least one image')
    device = next(model.parameters()).device
    pipeline = _test_pipeline(model.cfg, isinstance(imgs[0], np.ndarray))
    samples = [pipeline(dict(img=img) if isinstance(img, np.ndarray) else
                        dict(img_info=dict(filename=img), img_prefix=None)) for img in imgs]
    data = collate(samples, samples_per_gpu=len(imgs))
    data['img_metas'] = [metas.data[0] for metas in data['img_metas']]
    data['img'] = [img.data[0] for img in data['img']]
    if device.type == 'cuda':
        data = scatter(data, [device])[0]
    with torch.no_grad():
        results = model(return_loss=False, rescale=True, **data)
    return results if is_batch else results[0]


async def async_inference_detector(model, imgs) -> list:
    """Awaitable :func:`inference_detector` (always a list of results, as mmdet's). The work runs
    in the event loop's default executor, so other coroutines proceed meanwhile."""
    imgs = list(imgs) if isinstance(imgs, (list, tuple)) else [imgs]
    return await asyncio.get_running_loop().run_in_executor(None, inference_detector, model, imgs)


def show_result_pyplot(model, img, result, score_thr: float = 0.3, title: str = 'result', wait_time: float = 0,
                       palette=None, out_file: str | None = None):
    """Display ``result`` drawn on ``img`` with matplotlib (``palette`` colours boxes and masks;
    see :func:`mmlite.image.visualization.palette_colors`); also write it to ``out_file``."""
    model = getattr(model, 'module', model)
    return model.show_result(img, result, score_thr=score_thr, show=True, wait_time=wait_time, win_name=title,
                             bbox_color=palette, text_color=(200, 200, 200), mask_color=palette,
                             out_file=out_file)
