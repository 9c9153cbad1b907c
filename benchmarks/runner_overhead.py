"""Per-iteration cost of mmlite's runners over a plain PyTorch loop doing the same work.

Contestants run interleaved within one process (round after round, in a shuffled order), each
timed with process CPU time; the overhead is the median of the per-round differences:
``EpochBasedRunner`` and ``IterBasedRunner`` with the standard hooks (step LR, OptimizerHook,
CheckpointHook, TextLoggerHook every 50 iterations, IterTimerHook) against a loop that calls the
same ``train_step``, ``zero_grad``, ``backward`` and ``step``.

    python benchmarks/runner_overhead.py [--quick]
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import random
import statistics
import sys
import tempfile
import time
from typing import Callable

import torch
import torch.nn as nn

sys.path.insert(0, __file__.rsplit('/benchmarks/', 1)[0])
from mmlite.runner import EpochBasedRunner, IterBasedRunner  # noqa: E402
from mmlite.utils import get_logger  # noqa: E402

TARGET_US = 15.0
TARGET_EPOCH_MS = 50.0


class Stepper(nn.Module):
    """Wraps a network with mmcv's ``train_step`` contract (one ``.item()`` per step)."""

    def __init__(self, net: nn.Module):
        super().__init__()
        self.net = net

    def train_step(self, data, optimizer=None, **kwargs):
        x, y = data
        loss = nn.functional.mse_loss(self.net(x), y)
        return dict(loss=loss, log_vars=dict(loss=loss.item()), num_samples=len(x))


def tiny_mlp() -> tuple[nn.Module, Callable]:
    net = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 1))
    return net, lambda: (torch.randn(32, 16), torch.randn(32, 1))


def small_cnn() -> tuple[nn.Module, Callable]:
    net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 8, 3, padding=1),
                        nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 1))
    return net, lambda: (torch.randn(8, 3, 32, 32), torch.randn(8, 1))


def _plain(model: Stepper, optimizer, batches: list) -> None:
    for batch in batches:
        outputs = model.train_step(batch, optimizer)
        optimizer.zero_grad()
        outputs['loss'].backward()
        optimizer.step()


def _runner(kind: str, model: Stepper, optimizer, batches: list, work_dir: str, logger) -> None:
    hooks = dict(lr_config=dict(policy='step', step=[10**6]), optimizer_config=dict(),
                 checkpoint_config=dict(interval=10**6, save_last=False),
                 log_config=dict(interval=50, hooks=[dict(type='TextLoggerHook')]))
    if kind == 'epoch':
        runner = EpochBasedRunner(model, optimizer=optimizer, work_dir=work_dir, logger=logger,
                                  max_epochs=1)
    else:
        runner = IterBasedRunner(model, optimizer=optimizer, work_dir=work_dir, logger=logger,
                                 max_iters=len(batches))
    runner.register_training_hooks(**hooks)
    runner.run([batches], [('train', 1)])


def _time(fn: Callable) -> float:
    start = time.process_time()
    fn()
    return time.process_time() - start


def measure_model(name: str, factory: Callable, iters: int, rounds: int, work_dir: str) -> list[dict]:
    torch.manual_seed(0)
    net, make_batch = factory()
    model = Stepper(net)
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-4, momentum=0.9)
    batches = [make_batch() for _ in range(iters)]
    logger = get_logger('runner_overhead_bench', log_file=f'{work_dir}/bench.log', log_level=logging.INFO)
    logger.handlers[0].setLevel(logging.ERROR)  # keep stderr quiet; the file gets the lines
    contestants = {
        'plain loop': lambda: _plain(model, optimizer, batches),
        'EpochBasedRunner': lambda: _runner('epoch', model, optimizer, batches, work_dir, logger),
        'IterBasedRunner': lambda: _runner('iter', model, optimizer, batches, work_dir, logger),
    }
    for fn in contestants.values():  # warm-up
        fn()
    times: dict[str, list[float]] = {k: [] for k in contestants}
    order = list(contestants)
    rng = random.Random(0)
    for _ in range(rounds):
        rng.shuffle(order)  # no contestant always runs first (allocator and cache state)
        for key in order:
            times[key].append(_time(contestants[key]) / iters * 1e6)
    plain = statistics.median(times['plain loop'])
    rows = []
    for key in ('EpochBasedRunner', 'IterBasedRunner'):
        # paired per-round differences cancel the machine's slow drift
        overhead = statistics.median(r - p for r, p in zip(times[key], times['plain loop']))
        rows.append(dict(model=name, runner=key, plain_us=round(plain, 1),
                         runner_us=round(plain + overhead, 1), overhead_us=round(overhead, 1),
                         ratio=round((plain + overhead) / plain, 3)))
    return rows


def measure_epoch_transition(epochs: int, work_dir: str) -> dict:
    """Wall time per epoch of a runner whose epochs hold a single tiny batch, minus the batch."""
    torch.manual_seed(0)
    net, make_batch = tiny_mlp()
    model = Stepper(net)
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-4)
    batch = [make_batch()]
    logger = get_logger('runner_overhead_bench')
    runner = EpochBasedRunner(model, optimizer=optimizer, work_dir=work_dir, logger=logger,
                              max_epochs=epochs)
    runner.register_training_hooks(lr_config=dict(policy='step', step=[10**6]), optimizer_config=dict(),
                                   checkpoint_config=dict(interval=10**6, save_last=False),
                                   log_config=dict(interval=50, hooks=[dict(type='TextLoggerHook')]))
    start = time.perf_counter()
    runner.run([batch], [('train', 1)])
    total = time.perf_counter() - start
    start = time.perf_counter()
    _plain(model, optimizer, batch * epochs)
    plain = time.perf_counter() - start
    return dict(epochs=epochs, ms_per_epoch_transition=round((total - plain) / epochs * 1e3, 3))


def pin_to_one_cpu() -> set | None:
    """Pin this process to one CPU (migrations between cores add noise larger than the effect
    measured); returns the previous affinity."""
    if not hasattr(os, 'sched_setaffinity'):
        return None
    previous = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {max(previous)})
    return previous


def run(quick: bool = False) -> dict:
    torch.set_num_threads(1)
    previous = pin_to_one_cpu()
    try:
        return _run(quick)
    finally:
        if previous is not None:
            os.sched_setaffinity(0, previous)


def _run(quick: bool) -> dict:
    iters, rounds = (600, 15) if quick else (2000, 25)
    with tempfile.TemporaryDirectory() as work_dir:
        rows = measure_model('tiny MLP (batch 32)', tiny_mlp, iters, rounds, work_dir)
        rows += measure_model('small CNN (batch 8, 32x32)', small_cnn, max(iters // 4, 50), rounds, work_dir)
        transition = measure_epoch_transition(50 if quick else 200, work_dir)
    mlp = [r for r in rows if r['model'].startswith('tiny')]
    return dict(rows=rows, epoch_transition=transition,
                target_us=TARGET_US, target_met=all(r['overhead_us'] <= TARGET_US for r in mlp),
                target_epoch_ms=TARGET_EPOCH_MS,
                epoch_target_met=transition['ms_per_epoch_transition'] <= TARGET_EPOCH_MS)


def to_markdown(result: dict) -> str:
    lines = ['| model | runner | plain loop µs/it | runner µs/it | overhead µs/it | ratio |',
             '|---|---|---|---|---|---|']
    for r in result['rows']:
        lines.append(f"| {r['model']} | {r['runner']} | {r['plain_us']} | {r['runner_us']} | "
                     f"{r['overhead_us']} | {r['ratio']} |")
    t = result['epoch_transition']
    lines.append(f"\nEpoch transition: {t['ms_per_epoch_transition']} ms per epoch "
                 f"(target ≤ {result['target_epoch_ms']} ms; mmcv 1.7.2 sleeps 2000 ms).")
    lines.append(f"Target ≤ {result['target_us']} µs/iteration over the plain loop (tiny MLP): "
                 f"{'met' if result['target_met'] else 'NOT met'}.")
    return '\n'.join(lines)


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true', help='fewer iterations and rounds')
    parser.add_argument('--json', help='also write the result here')
    args = parser.parse_args()
    result = run(args.quick)
    print(to_markdown(result))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(result, f, indent=2)
