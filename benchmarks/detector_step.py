"""One Faster R-CNN R50-FPN training step: mmlite (the shipped mmdet 2.x config) vs torchvision.

Both models get the same batch (two images and their boxes), the same SGD settings and the same
hyper-parameters where torchvision exposes them (1000 proposals per image after NMS, 512 sampled
RoIs, adaptive RoIAlign sampling, 80 classes + background, stem and layer1 frozen). Steps alternate
between the two (the order flips every round) and the ratio is the median of the per-round
ratios, so slow drift of the machine cancels.

Remaining differences, by design of each library: torchvision's backbone uses FrozenBatchNorm and
resizes/normalises inside the model (an identity-size bilinear pass here); mmdet uses L1 losses and
its own RoI level rule.

The model built first runs slower in that process: at 800x1333, building mmlite's first read
×1.04-1.07 (3 processes), building torchvision's first ×0.90-0.92 (2 processes), same code. With
``--processes N`` each size is measured in N fresh processes that alternate which model is built
first, and the ratio is the median of all their per-round ratios; use an even N.

With ``--huge-pages`` the measuring processes start with ``THP_MEM_ALLOC_ENABLE=1`` (PyTorch's own
switch: its large CPU tensors are advised to use 2 MiB transparent huge pages). In a VM a TLB miss
is costly, and without huge pages either library's step may run ~30 % slower in one process than in
the next (measured: torchvision alone 19-21 s in some processes, 15-16 s in others).

With ``--malloc-keep-freed`` the process first applies mmlite's ``malloc_keep_freed`` knob (glibc
keeps freed memory for reuse; both contestants share the process, so both benefit): at 800x1333
it removes the ~4 million page faults per step that otherwise take ~40 % of the step's CPU time.

    python benchmarks/detector_step.py [--sizes 800x1333 160x224] [--rounds 5] [--processes 3]
                                       [--malloc-keep-freed] [--huge-pages]
"""
from __future__ import annotations

import argparse
import json
import os
import os.path as osp
import statistics
import subprocess
import sys
import time

import torch

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from mmlite.models import build_detector  # noqa: E402
from mmlite.utils import Config, keep_freed_memory  # noqa: E402

TARGET_RATIO = 1.05
CONFIG = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'configs', 'faster_rcnn',
                  'faster_rcnn_r50_fpn_1x_coco.py')


def make_batch(height: int, width: int, seed: int = 0) -> dict:
    gen = torch.Generator().manual_seed(seed)
    images = torch.rand(2, 3, height, width, generator=gen)
    boxes = []
    for _ in range(2):
        xy = torch.rand(4, 2, generator=gen) * torch.tensor([width * 0.7, height * 0.7])
        wh = torch.rand(4, 2, generator=gen) * torch.tensor([width * 0.25, height * 0.25]) + 16
        boxes.append(torch.cat([xy, xy + wh], 1))
    labels = [torch.randint(0, 80, (4, ), generator=gen) for _ in range(2)]
    return dict(images=images, boxes=boxes, labels=labels)


def mmlite_step(height: int, width: int, batch: dict):
    cfg = Config.fromfile(CONFIG)
    cfg.model.backbone.init_cfg = None
    model = build_detector(cfg.model)
    model.init_weights()
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.0, momentum=0.9, weight_decay=1e-4)
    mean = torch.tensor([123.675, 116.28, 103.53]).view(1, 3, 1, 1) / 255
    std = torch.tensor([58.395, 57.12, 57.375]).view(1, 3, 1, 1) / 255
    metas = [dict(img_shape=(height, width, 3), pad_shape=(height, width, 3), ori_shape=(height, width, 3),
                  scale_factor=[1.0] * 4, flip=False) for _ in range(2)]

    def step():
        data = dict(img=(batch['images'] - mean) / std, img_metas=metas, gt_bboxes=batch['boxes'],
                    gt_labels=batch['labels'])
        outputs = model.train_step(data, optimizer)
        optimizer.zero_grad()
        outputs['loss'].backward()
        optimizer.step()

    return step


def torchvision_step(height: int, width: int, batch: dict):
    from torchvision.models import resnet50
    from torchvision.models.detection import FasterRCNN
    from torchvision.models.detection.backbone_utils import _resnet_fpn_extractor
    from torchvision.ops import FrozenBatchNorm2d, MultiScaleRoIAlign

    # what fasterrcnn_resnet50_fpn builds for pretrained weights (frozen BN, stem + layer1 frozen),
    # without the download
    backbone = _resnet_fpn_extractor(resnet50(weights=None, norm_layer=FrozenBatchNorm2d), trainable_layers=3)
    model = FasterRCNN(backbone, num_classes=81, min_size=min(height, width), max_size=max(height, width),
                       rpn_post_nms_top_n_train=1000,
                       box_roi_pool=MultiScaleRoIAlign(['0', '1', '2', '3'], 7, sampling_ratio=0))
    model.train()
    optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.0, momentum=0.9,
                                weight_decay=1e-4)
    targets = [dict(boxes=b, labels=lab + 1) for b, lab in zip(batch['boxes'], batch['labels'])]

    def step():
        losses = model(list(batch['images']), targets)
        loss = sum(losses.values())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return step


def _timed(step) -> float:
    start = time.perf_counter()
    step()
    return time.perf_counter() - start


BUILDERS = dict(mmlite=mmlite_step, torchvision=torchvision_step)


def _build_order(first: str) -> list:
    return [first] + [key for key in BUILDERS if key != first]


def _summary(times: dict) -> dict:
    """Median seconds of each side and the median of the per-round ratios (``times``: side ->
    list of seconds, rounds paired by position)."""
    ratio = statistics.median(m / t for m, t in zip(times['mmlite'], times['torchvision']))
    return dict(mmlite_s=round(statistics.median(times['mmlite']), 3),
                torchvision_s=round(statistics.median(times['torchvision']), 3),
                ratio=round(ratio, 3), target=TARGET_RATIO, met=ratio <= TARGET_RATIO)


def measure(height: int, width: int, rounds: int, build_first: str = 'mmlite') -> dict:
    """Both steps in this process, the ``build_first`` model built (and warmed up) first."""
    torch.manual_seed(0)
    batch = make_batch(height, width)
    steps = {key: BUILDERS[key](height, width, batch) for key in _build_order(build_first)}
    for step in steps.values():  # warm-up: allocator, thread pools, lazy inits
        step()
    times = {k: [] for k in steps}
    for r in range(rounds):
        for key in (['mmlite', 'torchvision'] if r % 2 == 0 else ['torchvision', 'mmlite']):
            times[key].append(_timed(steps[key]))
    return dict(size=f'{height}x{width}', batch=2, rounds=rounds, build_first=build_first, **_summary(times),
                seconds={k: [round(t, 2) for t in v] for k, v in times.items()})


def measure_in_processes(size: str, rounds: int, processes: int, keep_freed: bool = False,
                         threads: int | None = None, huge_pages: bool = False, build_first: str = 'mmlite') -> dict:
    """``measure`` run in ``processes`` fresh interpreters, which alternate the model built first;
    the ratio is the median of all their rounds'. ``huge_pages`` starts them with PyTorch's
    ``THP_MEM_ALLOC_ENABLE=1``."""
    cmd = [sys.executable, osp.abspath(__file__), '--sizes', size, '--rounds', str(rounds)]
    cmd += ['--malloc-keep-freed'] if keep_freed else []
    cmd += ['--threads', str(threads)] if threads else []
    env = dict(os.environ, THP_MEM_ALLOC_ENABLE='1') if huge_pages else None
    order = _build_order(build_first)
    runs = []
    for index in range(processes):
        out = subprocess.run(cmd + ['--build-first', order[index % 2]], check=True, capture_output=True,
                             text=True, env=env).stdout
        runs.append(json.loads(out.strip().splitlines()[-1]))
    pooled = {key: [t for r in runs for t in r['seconds'][key]] for key in BUILDERS}
    return dict(size=size, batch=2, rounds=rounds, processes=processes, **_summary(pooled),
                process_ratios=[r['ratio'] for r in runs], malloc='keep_freed' if keep_freed else 'default',
                huge_pages=huge_pages)


def main(argv=None) -> list:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--sizes', nargs='+', default=['800x1333', '160x224'], help='HxW of each input image')
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--processes', type=int, default=1,
                        help='measure each size in this many fresh processes (more than 1: pooled rounds)')
    parser.add_argument('--build-first', choices=list(BUILDERS), default='mmlite',
                        help='whose model is built and warmed up first (with --processes: in the first '
                             'process, then alternating)')
    parser.add_argument('--huge-pages', action='store_true',
                        help='measure in child processes started with THP_MEM_ALLOC_ENABLE=1 (huge pages for '
                             "PyTorch's large CPU tensors; it must be set before the first allocation)")
    parser.add_argument('--threads', type=int, default=None, help='torch intra-op threads (default: torch)')
    parser.add_argument('--malloc-keep-freed', action='store_true',
                        help="apply mmlite's malloc_keep_freed knob to this process first")
    args = parser.parse_args(argv)
    if args.malloc_keep_freed and not keep_freed_memory():
        parser.error('--malloc-keep-freed needs glibc (Linux)')
    if args.threads:
        torch.set_num_threads(args.threads)
    rows = []
    for size in args.sizes:
        if args.processes > 1 or args.huge_pages:
            row = measure_in_processes(size, args.rounds, args.processes, args.malloc_keep_freed, args.threads,
                                       args.huge_pages, args.build_first)
        else:
            height, width = (int(v) for v in size.lower().split('x'))
            row = measure(height, width, args.rounds, args.build_first)
            row['malloc'] = 'keep_freed' if args.malloc_keep_freed else 'default'
        print(json.dumps(row), flush=True)
        rows.append(row)
    return rows


if __name__ == '__main__':
    main()
