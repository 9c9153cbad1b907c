"""Mixed precision on ``torch.autocast`` with mmcv's decorator API.

``wrap_fp16_model`` switches on every module that declares ``fp16_enabled``; methods decorated
with ``@auto_fp16()`` then run under autocast (float16, or bfloat16 when the model was wrapped
for it) and ``@force_fp32()`` methods run in float32 with their tensor arguments cast up.
Undecorated models are unaffected, as in mmcv.
"""
from __future__ import annotations

import functools
import inspect
from typing import Any, Callable, Iterable

import torch
import torch.nn as nn

from .dist_utils import allreduce_grads  # noqa: F401

_DTYPES = {'float16': torch.float16, 'fp16': torch.float16, 'half': torch.float16,
           'bfloat16': torch.bfloat16, 'bf16': torch.bfloat16}


def resolve_amp_dtype(dtype: str | torch.dtype) -> torch.dtype:
    """``torch.float16`` or ``torch.bfloat16`` from a name or dtype."""
    if isinstance(dtype, torch.dtype):
        if dtype not in (torch.float16, torch.bfloat16):
            raise ValueError(f'mixed precision dtype must be float16 or bfloat16, got {dtype}')
        return dtype
    if dtype not in _DTYPES:
        raise ValueError(f'unknown mixed precision dtype {dtype!r}; use "float16" or "bfloat16"')
    return _DTYPES[dtype]


def cast_tensor_type(inputs: Any, src_type: torch.dtype | None, dst_type: torch.dtype) -> Any:
    """Cast floating tensors (of ``src_type`` when given) inside nested containers to ``dst_type``."""
    if isinstance(inputs, nn.Module):
        return inputs
    if isinstance(inputs, torch.Tensor):
        if inputs.is_floating_point() and (src_type is None or inputs.dtype == src_type):
            return inputs.to(dst_type)
        return inputs
    if isinstance(inputs, (str, bytes)):
        return inputs
    if isinstance(inputs, dict):
        return type(inputs)((k, cast_tensor_type(v, src_type, dst_type)) for k, v in inputs.items())
    if isinstance(inputs, (list, tuple)):
        return type(inputs)(cast_tensor_type(v, src_type, dst_type) for v in inputs)
    return inputs


def _device_type(args: tuple, kwargs: dict) -> str:
    for value in list(args) + list(kwargs.values()):
        if isinstance(value, torch.Tensor):
            return value.device.type
    return 'cuda' if torch.cuda.is_available() else 'cpu'


def _cast_selected(func: Callable, apply_to: Iterable[str] | None, args: tuple, kwargs: dict,
                   src: torch.dtype | None, dst: torch.dtype) -> tuple[tuple, dict]:
    names = list(inspect.signature(func).parameters)
    targets = set(names[1:] if apply_to is None else apply_to)
    new_args = tuple(
        cast_tensor_type(a, src, dst) if i < len(names) and names[i] in targets else a
        for i, a in enumerate(args))
    new_kwargs = {k: cast_tensor_type(v, src, dst) if k in targets else v for k, v in kwargs.items()}
    return new_args, new_kwargs


def auto_fp16(apply_to: Iterable[str] | None = None, out_fp32: bool = False,
              supported_types: tuple = (nn.Module, )) -> Callable:
    """Run the decorated method under autocast when ``self.fp16_enabled`` is True.

    Args:
        apply_to: Accepted for mmcv compatibility; autocast casts per operation, so arguments are
            not cast up front.
        out_fp32: Cast floating outputs back to float32. Defaults to False.
        supported_types: Classes the decorator may be used in. Defaults to (nn.Module, ).
    """

    def decorator(func: Callable) -> Callable:

        @functools.wraps(func)
        def wrapper(self, *args, **kwargs):
            if not isinstance(self, supported_types):
                raise TypeError('@auto_fp16 can only be used to decorate the method of those '
                                f'classes {supported_types}')
            if not getattr(self, 'fp16_enabled', False):
                return func(self, *args, **kwargs)
            dtype = getattr(self, 'fp16_dtype', torch.float16)
            with torch.autocast(device_type=_device_type(args, kwargs), dtype=dtype):
                output = func(self, *args, **kwargs)
            return cast_tensor_type(output, None, torch.float32) if out_fp32 else output

        return wrapper

    return decorator


def force_fp32(apply_to: Iterable[str] | None = None, out_fp16: bool = False) -> Callable:
    """Run the decorated method in float32 (autocast off, arguments cast up) when
    ``self.fp16_enabled`` is True; typically loss and post-processing methods.

    Args:
        apply_to: Names of the arguments to cast; all when None.
        out_fp16: Cast floating outputs to the half dtype. Defaults to False.
    """

    def decorator(func: Callable) -> Callable:

        @functools.wraps(func)
        def wrapper(self, *args, **kwargs):
            if not isinstance(self, nn.Module):
                raise TypeError('@force_fp32 can only be used to decorate the method of nn.Module')
            if not getattr(self, 'fp16_enabled', False):
                return func(self, *args, **kwargs)
            args, kwargs = _cast_selected(func, apply_to, (self, ) + args, kwargs, None, torch.float32)
            with torch.autocast(device_type=_device_type(args[1:], kwargs), enabled=False):
                output = func(*args, **kwargs)
            if out_fp16:
                output = cast_tensor_type(output, torch.float32, getattr(self, 'fp16_dtype', torch.float16))
            return output

        return wrapper

    return decorator


def wrap_fp16_model(model: nn.Module, dtype: str | torch.dtype = torch.float16) -> int:
    """Enable mixed precision on every sub-module that declares ``fp16_enabled``.

    Weights stay float32 (autocast handles the casts), so normalisation layers keep full
    precision without mmcv's patching.

    Returns:
        How many modules were switched on (0 means the model has no decorated methods).
    """
    amp_dtype = resolve_amp_dtype(dtype)
    count = 0
    for module in model.modules():
        if hasattr(module, 'fp16_enabled'):
            module.fp16_enabled = True
            module.fp16_dtype = amp_dtype
            count += 1
    return count


class LossScaler:
    """mmcv's legacy static/dynamic loss scaler; kept for code that imports it.

    New code should use ``torch.amp.GradScaler`` (what ``Fp16OptimizerHook`` uses).
    """

    def __init__(self, init_scale: float = 2**32, mode: str = 'dynamic', scale_factor: float = 2.,
                 scale_window: int = 1000):
        if mode not in ('dynamic', 'static'):
            raise ValueError(f'mode can only be dynamic or static, got {mode!r}')
        self.cur_scale = init_scale
        self.cur_iter = 0
        self.mode = mode
        self.last_overflow_iter = -1
        self.scale_factor = scale_factor
        self.scale_window = scale_window

    def has_overflow(self, params: Iterable[nn.Parameter]) -> bool:
        if self.mode != 'dynamic':
            return False
        return any(p.grad is not None and not torch.isfinite(p.grad).all() for p in params)

    def update_scale(self, overflow: bool) -> None:
        if self.mode != 'dynamic':
            return
        if overflow:
            self.cur_scale = max(self.cur_scale / self.scale_factor, 1)
            self.last_overflow_iter = self.cur_iter
        elif (self.cur_iter - self.last_overflow_iter) % self.scale_window == 0:
            self.cur_scale *= self.scale_factor
        self.cur_iter += 1

    def state_dict(self) -> dict:
        return dict(cur_scale=self.cur_scale, cur_iter=self.cur_iter, mode=self.mode,
                    last_overflow_iter=self.last_overflow_iter, scale_factor=self.scale_factor,
                    scale_window=self.scale_window)

    def load_state_dict(self, state_dict: dict) -> None:
        for key, value in state_dict.items():
            setattr(self, key, value)

    @property
    def loss_scale(self) -> float:
        return self.cur_scale
