"""Measured effect of the opt-in speed knobs on one training step of the quickstart detector.

Contestants (same batch, same weights): eager fp32; ``channels_last=True``; bf16 autocast
(``fp16 = dict(loss_scale='dynamic', dtype='bfloat16')``); ``compile=dict()`` (backbone and neck
through torch.compile). Reports the median step time of each relative to eager, interleaved.

    python benchmarks/knobs.py [--rounds 7] [--device cpu|cuda] [--no-compile]
"""
from __future__ import annotations

import argparse
import copy
import json
import logging
import os.path as osp
import statistics
import sys
import time

import torch

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from mmlite.apis.speed_knobs import apply_speed_knobs  # noqa: E402
from mmlite.datasets import build_dataloader, build_dataset  # noqa: E402
from mmlite.models import build_detector  # noqa: E402
from mmlite.parallel import scatter  # noqa: E402
from mmlite.utils import Config  # noqa: E402

CONFIG = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'configs', 'quickstart',
                  'faster_rcnn_r18_fpn_toy.py')


def _batch(cfg, device: str) -> dict:
    dataset = build_dataset(cfg.data.train)
    loader = build_dataloader(dataset, cfg.data.samples_per_gpu, 0, dist=False, seed=0)
    data = next(iter(loader))
    return scatter(data, [torch.device(device).index or 0] if device == 'cuda' else [-1])[0]


def _step(model, optimizer, batch: dict, autocast_dtype=None, device: str = 'cpu'):
    def run():
        optimizer.zero_grad()
        with torch.autocast(device, dtype=autocast_dtype, enabled=autocast_dtype is not None):
            losses = model(**batch)
        loss = sum(v.sum() if torch.is_tensor(v) else sum(x.sum() for x in v) for v in losses.values())
        loss.backward()
        optimizer.step()
        if device == 'cuda':
            torch.cuda.synchronize()
    return run


def contestants(cfg, device: str, with_compile: bool) -> dict:
    torch.manual_seed(0)
    base = build_detector(cfg.model).to(device).train()
    logger = logging.getLogger('knobs')
    variants = {'eager fp32': (base, None), 'bf16 autocast': (copy.deepcopy(base), torch.bfloat16),
                'channels_last': (apply_speed_knobs(copy.deepcopy(base), Config(dict(channels_last=True)), logger),
                                  None)}
    if device == 'cuda':
        variants['fp16 autocast'] = (copy.deepcopy(base), torch.float16)
    if with_compile:
        variants['compile (backbone+neck)'] = (apply_speed_knobs(copy.deepcopy(base), Config(dict(compile=True)),
                                                                 logger), None)
    return variants


def measure(rounds: int, device: str, with_compile: bool) -> list[dict]:
    cfg = Config.fromfile(CONFIG)
    batch = _batch(cfg, device)
    steps = {}
    for name, (model, dtype) in contestants(cfg, device, with_compile).items():
        optimizer = torch.optim.SGD(model.parameters(), lr=1e-4, momentum=0.9)
        steps[name] = _step(model, optimizer, batch, dtype, device)
        start = time.perf_counter()
        for _ in range(2):  # warm-up (and compilation)
            steps[name]()
        print(f'{name}: warm-up {time.perf_counter() - start:.1f} s', file=sys.stderr, flush=True)
    times = {name: [] for name in steps}
    for _ in range(rounds):
        for name, step in steps.items():
            start = time.perf_counter()
            step()
            times[name].append(time.perf_counter() - start)
    eager = statistics.median(times['eager fp32'])
    return [dict(knob=name, step_s=round(statistics.median(t), 4), vs_eager=round(statistics.median(t) / eager, 3),
                 device=device) for name, t in times.items()]


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--rounds', type=int, default=7)
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--no-compile', action='store_true')
    args = parser.parse_args(argv)
    rows = measure(args.rounds, args.device, not args.no_compile)
    for row in rows:
        print(json.dumps(row), flush=True)
    return rows


if __name__ == '__main__':
    main()
