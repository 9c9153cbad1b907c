"""``get_model_complexity_info``: multiply-accumulates ("FLOPs", as mmcv counts them) and parameters.

Only modules of the listed exact types are counted (as mmcv does): convolutions and linear layers
count one per multiply-add plus the bias adds, norms one or two per element, activations and pools
one per element, ``nn.Upsample`` one per output element. Functional calls inside ``forward`` (matmul,
``F.interpolate``, RoIAlign...) are not counted.
"""
from __future__ import annotations

import math
import sys
from typing import Callable, TextIO

import torch
import torch.nn as nn


def _conv(module: nn.Module, inputs: tuple, output: torch.Tensor) -> int:
    per_position = math.prod(module.kernel_size) * module.in_channels * (module.out_channels // module.groups)
    positions = output.shape[0] * math.prod(output.shape[2:])
    return per_position * positions + (module.out_channels * positions if module.bias is not None else 0)


def _deconv(module: nn.Module, inputs: tuple, output: torch.Tensor) -> int:
    x = inputs[0]
    per_position = math.prod(module.kernel_size) * module.in_channels * (module.out_channels // module.groups)
    macs = per_position * x.shape[0] * math.prod(x.shape[2:])
    bias = module.out_channels * output.shape[0] * math.prod(output.shape[2:]) if module.bias is not None else 0
    return macs + bias


def _linear(module: nn.Module, inputs: tuple, output: torch.Tensor) -> int:
    return inputs[0].numel() * output.shape[-1]


def _norm(module: nn.Module, inputs: tuple, output: torch.Tensor) -> int:
    affine = getattr(module, 'affine', False) or getattr(module, 'elementwise_affine', False)
    return inputs[0].numel() * (2 if affine else 1)


def _per_input(module: nn.Module, inputs: tuple, output: torch.Tensor) -> int:
    return inputs[0].numel()


def _per_output(module: nn.Module, inputs: tuple, output: torch.Tensor) -> int:
    return output.numel()


COUNTERS: dict[type, Callable] = {
    **dict.fromkeys((nn.Conv1d, nn.Conv2d, nn.Conv3d), _conv),
    nn.ConvTranspose2d: _deconv,
    nn.Linear: _linear,
    **dict.fromkeys((nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.GroupNorm, nn.InstanceNorm1d,
                     nn.InstanceNorm2d, nn.InstanceNorm3d, nn.LayerNorm), _norm),
    **dict.fromkeys((nn.ReLU, nn.PReLU, nn.ELU, nn.LeakyReLU, nn.ReLU6), _per_output),
    **dict.fromkeys((nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d, nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d,
                     nn.AdaptiveMaxPool1d, nn.AdaptiveMaxPool2d, nn.AdaptiveMaxPool3d, nn.AdaptiveAvgPool1d,
                     nn.AdaptiveAvgPool2d, nn.AdaptiveAvgPool3d), _per_input),
    nn.Upsample: _per_output,
}


def flops_to_string(flops: float, units: str | None = 'GFLOPs', precision: int = 2) -> str:
    """``'4.33 GFLOPs'``; ``units=None`` picks G/M/K by magnitude."""
    scales = {'GFLOPs': 1e9, 'MFLOPs': 1e6, 'KFLOPs': 1e3}
    if units is None:
        units = next((name for name, scale in scales.items() if flops // scale > 0), None)
        if units is None:
            return f'{flops} FLOPs'
    if units not in scales:
        return f'{flops} FLOPs'
    return f'{round(flops / scales[units], precision)} {units}'


def params_to_string(num_params: float, units: str | None = None, precision: int = 2) -> str:
    """``'25.56 M'``; ``units=None`` picks M/k by magnitude (plain number below 1000)."""
    if units is None:
        if num_params // 1e6 > 0:
            return f'{round(num_params / 1e6, precision)} M'
        if num_params // 1e3 > 0:
            return f'{round(num_params / 1e3, precision)} k'
        return str(num_params)
    scale = {'M': 1e6, 'K': 1e3}.get(units)
    return str(num_params) if scale is None else f'{round(num_params / scale, precision)} {units}'


def _trainable_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def _count(model: nn.Module, batch) -> dict[nn.Module, int]:
    """Counted FLOPs of each module of an exact listed type, for one forward of ``batch``."""
    counts: dict[nn.Module, int] = {}

    def hook(module, inputs, output):
        counts[module] = counts.get(module, 0) + int(COUNTERS[type(module)](module, inputs, output))

    handles = [m.register_forward_hook(hook) for m in model.modules() if type(m) in COUNTERS]
    was_training = model.training
    try:
        model.eval()
        with torch.no_grad():
            model(**batch) if isinstance(batch, dict) else model(batch)
    finally:
        for handle in handles:
            handle.remove()
        model.train(was_training)
    return counts


def _accumulated(module: nn.Module, counts: dict) -> int:
    if type(module) in COUNTERS:
        return counts.get(module, 0)
    return sum(_accumulated(child, counts) for child in module.children())


def _print_per_layer(model: nn.Module, counts: dict, total_flops: int, total_params: int, ost: TextIO,
                     flush: bool) -> None:
    originals = {}
    for module in model.modules():
        flops, params = _accumulated(module, counts), _trainable_params(module)
        stats = (f'{params_to_string(params, units="M", precision=3)}, {params / max(total_params, 1):.3%} Params, '
                 f'{flops_to_string(flops, units="GFLOPs", precision=3)}, {flops / max(total_flops, 1):.3%} FLOPs')
        originals[module] = module.extra_repr
        module.extra_repr = lambda s=stats, extra=module.extra_repr: f'{s}, {extra()}'
    try:
        print(model, file=ost, flush=flush)
    finally:
        for module, extra_repr in originals.items():
            del module.extra_repr
            if module.extra_repr != extra_repr:  # an instance attribute set before us
                module.extra_repr = extra_repr


def get_model_complexity_info(model: nn.Module, input_shape: tuple, print_per_layer_stat: bool = True,
                              as_strings: bool = True, input_constructor: Callable | None = None,
                              flush: bool = False, ost: TextIO = sys.stdout) -> tuple:
    """``(flops, params)`` of one forward pass on an input of ``(1, *input_shape)``.

    Args:
        input_constructor: Builds the input from ``input_shape`` instead (a dict is passed as keywords).
        print_per_layer_stat: Print the model with each module's share to ``ost``.
        as_strings: Return ``('4.33 GFLOPs', '25.56 M')`` instead of numbers.
    """
    if not isinstance(input_shape, tuple) or not input_shape:
        raise TypeError(f'input_shape must be a non-empty tuple such as (3, 800, 1333), got {input_shape!r}')
    if input_constructor is not None:
        batch = input_constructor(input_shape)
    else:
        reference = next(model.parameters(), torch.empty(0))
        batch = torch.ones((1, *input_shape), dtype=reference.dtype, device=reference.device)
    counts = _count(model, batch)
    flops, params = _accumulated(model, counts), _trainable_params(model)
    if print_per_layer_stat:
        _print_per_layer(model, counts, flops, params, ost, flush)
    if as_strings:
        return flops_to_string(flops), params_to_string(params)
    return float(flops), params
