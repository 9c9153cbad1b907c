"""Optimizer hooks: backward + step, gradient accumulation, and mixed precision on torch.amp."""
from __future__ import annotations

import logging
import math
import warnings
from typing import Any

import torch
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.utils import clip_grad_norm_

from ..fp16_utils import resolve_amp_dtype, wrap_fp16_model
from .hook import HOOKS, Hook

_NONFINITE_MODES = ('raise', 'skip', 'ignore')


class NonFiniteLossError(FloatingPointError):
    """Training produced a NaN/Inf loss (or gradient norm)."""


def _format_terms(log_vars: dict) -> str:
    return ', '.join(f'{k}={v:.4g}' if isinstance(v, float) else f'{k}={v}' for k, v in log_vars.items())


@HOOKS.register_module()
class OptimizerHook(Hook):
    """Zero grads, backward ``runner.outputs['loss']``, optionally clip, step.

    Args:
        grad_clip: ``clip_grad_norm_`` keyword arguments (e.g. ``dict(max_norm=35, norm_type=2)``);
            the norm is logged as ``grad_norm``. Defaults to None.
        detect_anomalous_params: Log (by name) parameters that received no gradient. Slow; for
            debugging DDP "unused parameters" errors. Defaults to False.
        nonfinite: What a NaN/Inf loss (or clipped gradient norm) does: ``'raise'`` stops training
            with the iteration and loss terms, ``'skip'`` skips the step and counts it in the log
            (``nonfinite_steps``), ``'ignore'`` steps anyway (mmcv's behaviour). Defaults to 'raise'.
    """

    def __init__(self, grad_clip: dict | None = None, detect_anomalous_params: bool = False,
                 nonfinite: str = 'raise'):
        if grad_clip is not None and not isinstance(grad_clip, dict):
            raise TypeError(f'optimizer_config.grad_clip must be a dict of clip_grad_norm_ '
                            f'arguments or None, got {grad_clip!r}')
        max_norm = (grad_clip or {}).get('max_norm', 1)
        if isinstance(max_norm, bool) or not isinstance(max_norm, (int, float)) or max_norm <= 0:
            raise ValueError(f'optimizer_config.grad_clip.max_norm must be a positive number, got {max_norm!r}')
        if nonfinite not in _NONFINITE_MODES:
            raise ValueError(f'optimizer_config.nonfinite must be one of {_NONFINITE_MODES}, '
                             f'got {nonfinite!r}')
        self.grad_clip = grad_clip
        self.detect_anomalous_params = detect_anomalous_params
        self.nonfinite = nonfinite
        self.nonfinite_steps = 0

    def clip_grads(self, params) -> torch.Tensor | None:
        """Clip gradients of the parameters that have them; return the total norm (a tensor)."""
        params = [p for p in params if p.requires_grad and p.grad is not None]
        if params:
            return clip_grad_norm_(params, **self.grad_clip)
        return None

    def _loss_is_finite(self, runner) -> bool:
        log_vars = runner.outputs.get('log_vars') or {}
        value = log_vars.get('loss')
        if isinstance(value, (float, int)):  # already on the host: no extra device sync
            return math.isfinite(value)
        return bool(torch.isfinite(runner.outputs['loss']).all())

    def _on_nonfinite(self, runner, what: str) -> bool:
        """Handle a non-finite value; True when the step must be skipped."""
        if self.nonfinite == 'ignore':
            return False
        terms = _format_terms(runner.outputs.get('log_vars') or {})
        last = ((runner.meta or {}).get('hook_msgs') or {}).get('last_ckpt')
        where = f'epoch {runner.epoch + 1}, iter {runner.iter + 1} (inner iter {runner.inner_iter + 1})'
        if self.nonfinite == 'skip':
            self.nonfinite_steps += 1
            runner.log_buffer.update({'nonfinite_steps': self.nonfinite_steps})
            runner.logger.warning('non-finite %s at %s (%s); step skipped (%d so far)', what, where,
                                  terms, self.nonfinite_steps)
            return True
        raise NonFiniteLossError(
            f'non-finite {what} at {where}: {terms}. Training stopped; the last good checkpoint is '
            f'{last or "none yet"}. Lower the learning rate or add optimizer_config.grad_clip, then '
            'resume; or set optimizer_config.nonfinite="skip" to skip such steps.')

    def _log_grad_norm(self, runner, grad_norm: torch.Tensor | None) -> bool:
        """Log the norm (kept as a tensor until averaged); True when the step must be skipped."""
        if grad_norm is None:
            return False
        runner.log_buffer.update({'grad_norm': grad_norm.detach()}, runner.outputs['num_samples'])
        if self.nonfinite != 'ignore' and not bool(torch.isfinite(grad_norm)):
            return self._on_nonfinite(runner, 'gradient norm')
        return False

    def after_train_iter(self, runner) -> None:
        runner.optimizer.zero_grad()
        if not self._loss_is_finite(runner) and self._on_nonfinite(runner, 'loss'):
            return
        if self.detect_anomalous_params:
            self.detect_anomalous_parameters(runner.outputs['loss'], runner)
        runner.outputs['loss'].backward()
        skip = False
        if self.grad_clip is not None:
            skip = self._log_grad_norm(runner, self.clip_grads(runner.model.parameters()))
        if not skip:
            runner.optimizer.step()
        if self.nonfinite_steps:
            runner.log_buffer.update({'nonfinite_steps': self.nonfinite_steps})

    def detect_anomalous_parameters(self, loss: torch.Tensor, runner) -> None:
        """Log every trainable parameter that is not in ``loss``'s autograd graph."""
        in_graph, visited, stack = set(), set(), [loss.grad_fn]
        while stack:
            fn = stack.pop()
            if fn is None or fn in visited:
                continue
            visited.add(fn)
            if hasattr(fn, 'variable'):
                in_graph.add(fn.variable)
            stack.extend(parent for parent, _ in fn.next_functions)
        for name, param in runner.model.named_parameters():
            if param.requires_grad and param not in in_graph:
                runner.logger.log(logging.ERROR, f'{name} with shape {param.size()} is not in the '
                                  'computational graph \n')


def _has_batch_norm(module: torch.nn.Module) -> bool:
    return any(isinstance(m, _BatchNorm) for m in module.modules())


@HOOKS.register_module()
class GradientCumulativeOptimizerHook(OptimizerHook):
    """Accumulate gradients over ``cumulative_iters`` iterations before each step.

    The loss is divided by the group size; a final group shorter than ``cumulative_iters`` (when
    ``max_iters`` is not a multiple) is divided by its real size.
    """

    def __init__(self, cumulative_iters: int = 1, **kwargs):
        super().__init__(**kwargs)
        if not (isinstance(cumulative_iters, int) and cumulative_iters > 0):
            raise ValueError(f'cumulative_iters only accepts positive int, but got {cumulative_iters!r}')
        self.cumulative_iters = cumulative_iters
        self.divisible_iters = 0
        self.remainder_iters = 0
        self.initialized = False

    def has_batch_norm(self, module: torch.nn.Module) -> bool:
        return _has_batch_norm(module)

    def _init(self, runner) -> None:
        if runner.iter % self.cumulative_iters != 0:
            runner.logger.warning('Resume iter number is not divisible by cumulative_iters in '
                                  'GradientCumulativeOptimizerHook, which means the gradient of '
                                  'some iters is lost and the result may be influenced slightly.')
        if self.cumulative_iters > 1 and self.has_batch_norm(runner.model):
            runner.logger.warning('GradientCumulativeOptimizerHook may slightly decrease '
                                  'performance if the model has BatchNorm layers.')
        self.divisible_iters = runner.max_iters // self.cumulative_iters * self.cumulative_iters
        self.remainder_iters = runner.max_iters - self.divisible_iters
        self.initialized = True

    def _get_loss_factor(self, runner) -> int:
        if runner.iter < runner.max_iters - self.remainder_iters:
            return self.cumulative_iters
        if runner.iter == self.divisible_iters:
            runner.logger.warning(f'Loss will be divided by {self.remainder_iters} in the last '
                                  f'{self.remainder_iters} iterations because they are not enough '
                                  f'for {self.cumulative_iters} cumulative_iters.')
        return self.remainder_iters

    def _is_update_iter(self, runner) -> bool:
        return self.every_n_iters(runner, self.cumulative_iters) or self.is_last_iter(runner)

    def after_train_iter(self, runner) -> None:
        if not self.initialized:
            self._init(runner)
        if not self._loss_is_finite(runner) and self._on_nonfinite(runner, 'loss'):
            return
        (runner.outputs['loss'] / self._get_loss_factor(runner)).backward()
        if not self._is_update_iter(runner):
            return
        skip = False
        if self.grad_clip is not None:
            skip = self._log_grad_norm(runner, self.clip_grads(runner.model.parameters()))
        if not skip:
            runner.optimizer.step()
        runner.optimizer.zero_grad()


def _make_scaler(loss_scale: Any, enabled: bool):
    kwargs: dict = {}
    if isinstance(loss_scale, dict):
        kwargs = dict(loss_scale)
    elif isinstance(loss_scale, (int, float)) and not isinstance(loss_scale, bool):
        kwargs = dict(init_scale=float(loss_scale))
    amp_scaler = getattr(torch.amp, 'GradScaler', None)
    if amp_scaler is not None:
        return amp_scaler('cuda', enabled=enabled, **kwargs)
    return torch.cuda.amp.GradScaler(enabled=enabled, **kwargs)  # pragma: no cover - torch < 2.3


@HOOKS.register_module()
class Fp16OptimizerHook(OptimizerHook):
    """Mixed-precision training with ``torch.autocast`` and ``torch.amp.GradScaler``.

    The model's ``@auto_fp16`` methods run under autocast (see ``wrap_fp16_model``). float16 on
    CUDA uses a loss scaler; bfloat16 (``dtype='bfloat16'``, our addition) needs none. On a CPU,
    float16 is replaced by bfloat16 autocast with a warning. The scaler state is stored in the
    checkpoint meta under ``fp16.loss_scaler`` (mmcv's place) and restored on resume.

    Args:
        grad_clip: As for OptimizerHook.
        coalesce: Accepted for mmcv compatibility (DDP already averages gradients).
        bucket_size_mb: Accepted for mmcv compatibility.
        loss_scale: A float (static scale), ``'dynamic'``, or GradScaler keyword arguments.
            Defaults to 512.
        distributed: Accepted for mmcv compatibility.
        dtype: ``'float16'`` or ``'bfloat16'``. Defaults to 'float16'.
    """

    def __init__(self, grad_clip: dict | None = None, coalesce: bool = True, bucket_size_mb: int = -1,
                 loss_scale: Any = 512., distributed: bool = True, dtype: str = 'float16', **kwargs):
        super().__init__(grad_clip=grad_clip, **kwargs)
        if not (loss_scale == 'dynamic' or isinstance(loss_scale, dict)
                or (isinstance(loss_scale, (int, float)) and not isinstance(loss_scale, bool))):
            raise ValueError(f'loss_scale must be of type float, dict, or "dynamic", got {loss_scale!r}')
        self.coalesce, self.bucket_size_mb, self.distributed = coalesce, bucket_size_mb, distributed
        self.loss_scale = loss_scale
        self.dtype = resolve_amp_dtype(dtype)
        self._scale_update_param = float(loss_scale) if isinstance(loss_scale, (int, float)) else None
        self.loss_scaler = None

    def _configure(self, runner) -> None:
        param = next(runner.model.parameters(), None)
        device = param.device.type if param is not None else 'cpu'
        if device != 'cuda' and self.dtype == torch.float16:
            warnings.warn('fp16 mixed precision needs CUDA; training on the CPU with bfloat16 '
                          'autocast instead (no loss scaling).')
            self.dtype = torch.bfloat16
        if wrap_fp16_model(runner.model, self.dtype) == 0:
            runner.logger.warning('Fp16OptimizerHook: no module of the model declares fp16_enabled, '
                                  'so it runs in float32; decorate its forward with @auto_fp16().')
        self.loss_scaler = _make_scaler(self.loss_scale, device == 'cuda' and self.dtype == torch.float16)

    def before_run(self, runner) -> None:
        self._configure(runner)
        fp16_meta = (runner.meta or {}).get('fp16') or {}
        if 'loss_scaler' in fp16_meta:
            self.loss_scaler.load_state_dict(fp16_meta['loss_scaler'])

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Store the scaler state where mmcv keeps it (read only when saving: no per-step sync)."""
        if self.loss_scaler is not None:
            checkpoint['meta'].setdefault('fp16', {})['loss_scaler'] = self.loss_scaler.state_dict()

    def _scaled_backward(self, runner, loss: torch.Tensor) -> None:
        self.loss_scaler.scale(loss).backward()

    def _clip_and_step(self, runner) -> None:
        self.loss_scaler.unscale_(runner.optimizer)
        if self.grad_clip is not None:
            grad_norm = self.clip_grads(runner.model.parameters())
            if grad_norm is not None:  # inf norms are expected with dynamic scaling: the scaler skips
                runner.log_buffer.update({'grad_norm': grad_norm.detach()}, runner.outputs['num_samples'])
        self.loss_scaler.step(runner.optimizer)
        self.loss_scaler.update(self._scale_update_param)

    def after_train_iter(self, runner) -> None:
        runner.model.zero_grad()
        runner.optimizer.zero_grad()
        if not self._loss_is_finite(runner) and self._on_nonfinite(runner, 'loss'):
            return
        self._scaled_backward(runner, runner.outputs['loss'])
        self._clip_and_step(runner)


@HOOKS.register_module()
class GradientCumulativeFp16OptimizerHook(GradientCumulativeOptimizerHook, Fp16OptimizerHook):
    """Gradient accumulation with mixed precision."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)

    def after_train_iter(self, runner) -> None:
        if not self.initialized:
            self._init(runner)
        if not self._loss_is_finite(runner) and self._on_nonfinite(runner, 'loss'):
            return
        self._scaled_backward(runner, runner.outputs['loss'] / self._get_loss_factor(runner))
        if not self._is_update_iter(runner):
            return
        self._clip_and_step(runner)
        runner.model.zero_grad()
        runner.optimizer.zero_grad()
