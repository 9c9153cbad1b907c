"""Opt-in speed settings read from the config by ``train_detector`` (all off by default).

``channels_last = True``
    Convert the model's 4-d parameters to the channels-last memory format (helps convolutions
    on recent GPUs with AMP; measure before using it on the CPU, see docs/benchmarks.md).
``compile = dict(modules=['backbone', 'neck'], **torch_compile_kwargs)`` (or ``True``)
    Compile those submodules in place with ``torch.compile`` (``nn.Module.compile``), so
    parameter names and checkpoints do not change. The detector's Python-heavy heads stay eager.
    Where compilation is unavailable or fails, training continues eagerly with a warning.
"""
from __future__ import annotations

import logging
import warnings

import torch
from torch import nn

DEFAULT_COMPILED = ('backbone', 'neck')


def _compile_in_place(model: nn.Module, options: dict, logger: logging.Logger) -> list[str]:
    names = list(options.pop('modules', DEFAULT_COMPILED))
    missing = [n for n in names if not isinstance(getattr(model, n, None), nn.Module)]
    if missing:
        raise KeyError(f'compile.modules: {type(model).__name__} has no submodule(s) {missing}; '
                       f'its children are {[n for n, _ in model.named_children()]}')
    if not hasattr(nn.Module, 'compile'):
        warnings.warn(f'compile is set but torch {torch.__version__} has no nn.Module.compile; training eagerly')
        return []
    import torch._dynamo
    torch._dynamo.config.suppress_errors = True  # a graph that fails to compile runs eagerly, with a warning
    compiled = []
    for name in names:
        try:
            getattr(model, name).compile(**options)
            compiled.append(name)
        except Exception as exc:  # noqa: BLE001 - any failure means: stay eager
            warnings.warn(f'torch.compile of model.{name} failed ({type(exc).__name__}: {exc}); it runs eagerly')
    logger.info(f'torch.compile: {compiled} with {options or "default options"} (compiled at the first iterations)')
    return compiled


def apply_speed_knobs(model: nn.Module, cfg, logger: logging.Logger) -> nn.Module:
    """Apply ``cfg.channels_last`` and ``cfg.compile`` to ``model`` (before it is wrapped)."""
    if cfg.get('channels_last', False):
        model = model.to(memory_format=torch.channels_last)
        logger.info('model parameters use the channels_last memory format')
    compile_cfg = cfg.get('compile')
    if compile_cfg:
        options = {} if compile_cfg is True else dict(compile_cfg)
        _compile_in_place(model, options, logger)
    return model
