"""``CheckpointLoader``: load checkpoints by scheme (local paths, ``http(s)://``,
``torchvision://``, ``open-mmlab://``), offline-friendly: remote files come from the torch hub
cache when present, else the error says how to pass a local file."""
from __future__ import annotations

import os
import os.path as osp
from typing import Any, Callable

import torch

from ..utils import download_to_cache, print_log
from ..utils.errors import ReadableKeyError
from ._checkpoint_io import safe_torch_load

# The few open-mmlab:// names mmdet 2.x configs use for pretrained backbones.
_THIRD_PARTY = 'https://download.openmmlab.com/pretrain/third_party/'
OPEN_MMLAB_URLS = {
    'detectron/resnet50_caffe': _THIRD_PARTY + 'resnet50_caffe-788b5fa3.pth',
    'detectron/resnet101_caffe': _THIRD_PARTY + 'resnet101_caffe-3ad79236.pth',
    'detectron2/resnet50_caffe': _THIRD_PARTY + 'resnet50_msra-5891d200.pth',
    'detectron2/resnet101_caffe': _THIRD_PARTY + 'resnet101_msra-6cc46731.pth',
    'resnet50_caffe': _THIRD_PARTY + 'resnet50_caffe-788b5fa3.pth',
    'resnet101_caffe': _THIRD_PARTY + 'resnet101_caffe-3ad79236.pth',
    'msra/hrnetv2_w18': _THIRD_PARTY + 'hrnetv2_w18-00eb2006.pth',
    'msra/hrnetv2_w32': _THIRD_PARTY + 'hrnetv2_w32-dc9eeb4f.pth',
    'msra/hrnetv2_w40': _THIRD_PARTY + 'hrnetv2_w40-ed0b031c.pth',
    'res2net101_v1d_26w_4s': _THIRD_PARTY + 'res2net101_v1d_26w_4s_mmdetv2-f0a600f9.pth',
    'darknet53': _THIRD_PARTY + 'darknet53-a628ea1b.pth',
    'vgg16_caffe': _THIRD_PARTY + 'vgg16_caffe-292e1171.pth',
    'regnetx_3.2gf': _THIRD_PARTY + 'regnetx_3.2gf-c2599b0f.pth',
    'resnext101_32x4d': _THIRD_PARTY + 'resnext101_32x4d-a5af3160.pth',
    'resnext101_64x4d': _THIRD_PARTY + 'resnext101_64x4d-ee2c6f71.pth',
    'resnest50': _THIRD_PARTY + 'resnest50_d2-7497a55b.pth',
    'resnest101': _THIRD_PARTY + 'resnest101_d2-f3b931b2.pth',
    'resnest200': _THIRD_PARTY + 'resnest200_d2-ca88e41f.pth',
    'mmdet/mobilenet_v2':
    'https://download.openmmlab.com/mmdetection/v2.0/third_party/mobilenet_v2_batch256_imagenet-ff34753d.pth',
}


def _hub_checkpoint_dir() -> str:
    return osp.join(torch.hub.get_dir(), 'checkpoints')


def load_from_local(filename: str, map_location: Any = None, weights_only: bool | None = None) -> Any:
    """Load a checkpoint file from disk."""
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint {filename} can not be found.')
    return safe_torch_load(filename, map_location=map_location, weights_only=weights_only,
                           source=filename)


def load_from_http(url: str, map_location: Any = None, model_dir: str | None = None,
                   weights_only: bool | None = None) -> Any:
    """Load a checkpoint from a URL through the torch hub cache (downloaded if not cached)."""
    cached = download_to_cache(url, model_dir or _hub_checkpoint_dir())
    return load_from_local(cached, map_location, weights_only)


def torchvision_model_urls() -> dict[str, str]:
    """Map torchvision model names (``resnet50``, ``resnet50.imagenet1k_v1``...) to weight URLs."""
    import torchvision.models as tv_models
    urls: dict[str, str] = {}
    for cls_name, weights in vars(tv_models).items():
        if not cls_name.endswith('_Weights') or not hasattr(weights, 'DEFAULT'):
            continue
        key = cls_name[:-len('_Weights')].lower()
        for member in weights:
            urls[f'{key}.{member.name.lower()}'] = member.url
        urls[f'{key}.default'] = weights.DEFAULT.url
        # mmcv's plain names ("resnet50") meant the original ImageNet weights
        first = next(iter(weights))
        urls[key] = first.url
        urls[cls_name] = weights.DEFAULT.url
    return urls


class CheckpointLoader:
    """Dispatch checkpoint loading on the filename's prefix (longest match wins)."""

    _schemes: dict[str, Callable] = {}

    @classmethod
    def _register_scheme(cls, prefixes: str | list, loader: Callable, force: bool = False) -> None:
        prefixes = [prefixes] if isinstance(prefixes, str) else list(prefixes)
        for prefix in prefixes:
            if prefix in cls._schemes and not force:
                raise ReadableKeyError(f'{prefix} is already registered as a loader backend, add '
                                       '"force=True" if you want to override it')
            cls._schemes[prefix] = loader
        cls._schemes = dict(sorted(cls._schemes.items(), key=lambda kv: len(kv[0]), reverse=True))

    @classmethod
    def register_scheme(cls, prefixes: str | list, loader: Callable | None = None,
                        force: bool = False) -> Callable:
        """Register ``loader(filename, map_location)`` for ``prefixes`` (usable as a decorator)."""
        if loader is not None:
            cls._register_scheme(prefixes, loader, force=force)
            return loader

        def _register(loader_fn: Callable) -> Callable:
            cls._register_scheme(prefixes, loader_fn, force=force)
            return loader_fn

        return _register

    @classmethod
    def _get_checkpoint_loader(cls, path: str) -> Callable:
        return cls._match(path)[1]

    @classmethod
    def _match(cls, path: str) -> tuple[str, Callable]:
        for prefix, loader in cls._schemes.items():
            if path.startswith(prefix):
                return prefix, loader
        raise ValueError(f'no checkpoint loader for {path!r}')

    @classmethod
    def load_checkpoint(cls, filename: str, map_location: Any = None, logger: Any = None,
                        weights_only: bool | None = None) -> Any:
        """Load ``filename`` with the loader registered for its scheme."""
        filename = os.fspath(filename)
        prefix, loader = cls._match(filename)
        print_log(f'load checkpoint from {prefix.rstrip(":/") or "local"} path: {filename}', logger)
        if loader in _BUILTIN_LOADERS:
            return loader(filename, map_location, weights_only=weights_only)
        return loader(filename, map_location)


def _load_http(filename: str, map_location: Any = None, weights_only: bool | None = None) -> Any:
    return load_from_http(filename, map_location, weights_only=weights_only)


def _load_torchvision(filename: str, map_location: Any = None, weights_only: bool | None = None) -> Any:
    name = filename[len('torchvision://'):]
    urls = torchvision_model_urls()
    if name not in urls:
        raise ReadableKeyError(f'{filename}: unknown torchvision model {name!r}; e.g. torchvision://resnet50')
    return load_from_http(urls[name], map_location, weights_only=weights_only)


def _load_openmmlab(filename: str, map_location: Any = None, weights_only: bool | None = None) -> Any:
    name = filename[len('open-mmlab://'):]
    if name not in OPEN_MMLAB_URLS:
        raise ReadableKeyError(f'{filename}: mmlite does not know the URL of {name!r}. Download the '
                               'checkpoint yourself and set the config to its local path.')
    return load_from_http(OPEN_MMLAB_URLS[name], map_location, weights_only=weights_only)


_BUILTIN_LOADERS = (load_from_local, _load_http, _load_torchvision, _load_openmmlab)
CheckpointLoader.register_scheme('', load_from_local)
CheckpointLoader.register_scheme(['http://', 'https://'], _load_http)
CheckpointLoader.register_scheme('torchvision://', _load_torchvision)
CheckpointLoader.register_scheme(['open-mmlab://', 'openmmlab://'], _load_openmmlab)
