"""Fit YOLO anchor sizes to a data set's boxes: k-means on IoU, or differential evolution (needs scipy).

    python tools/analysis_tools/optimize_anchors.py CONFIG [--algorithm k-means|differential_evolution]
        [--input-shape 608 608] [--iters 1000] [--output-dir DIR] [--device cpu] [--seed 0]

The boxes of ``data.train`` (the innermost ``dataset`` of wrappers) are scaled as the longest image side
is to the input shape, centred at the origin, and clustered into as many anchors as the config's
``YOLOAnchorGenerator.base_sizes`` hold. Writes ``anchor_optimize_result.json`` (``[[w, h], ...]`` by
area) to ``--output-dir`` and logs them in the ``base_sizes`` layout. Unlike mmdet 2.x's tool, runs are
repeatable (``--seed``), an emptied k-means cluster keeps its centre (mmdet's became a 0 x 0 anchor), and
the device defaults to the CPU when there is no GPU.
"""
from __future__ import annotations

import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from mmlite.core.bbox.iou import bbox_overlaps  # noqa: E402
from mmlite.core.bbox.transforms import bbox_cxcywh_to_xyxy, bbox_xyxy_to_cxcywh  # noqa: E402
from mmlite.utils import Config, DictAction, dump, get_root_logger, replace_cfg_vals, update_data_root  # noqa: E402


def box_sizes_at_input_shape(dataset, input_shape) -> np.ndarray:
    """``(n, 2)`` widths and heights of every ground-truth box, scaled as its image's longest side is to
    ``input_shape`` (``[width, height]``)."""
    sizes, image_sides = [], []
    for index, info in enumerate(dataset.data_infos):
        boxes = np.asarray(dataset.get_ann_info(index)['bboxes'], dtype=np.float64).reshape(-1, 4)
        sizes.append(boxes[:, 2:4] - boxes[:, 0:2])
        image_sides.extend([max(info['width'], info['height'])] * len(boxes))
    if not image_sides:
        raise ValueError('the training set has no boxes to fit anchors to')
    return np.concatenate(sizes) / (np.array(image_sides, dtype=np.float64)[:, None] / np.array([input_shape]))


def centred_boxes(sizes: np.ndarray, device: str = 'cpu') -> torch.Tensor:
    """Boxes of the given widths and heights centred at (0, 0), ``x1 y1 x2 y2``, float32."""
    sizes = torch.from_numpy(np.asarray(sizes)).to(device, dtype=torch.float32)
    return bbox_cxcywh_to_xyxy(torch.cat([torch.zeros_like(sizes), sizes], dim=1))


def _by_area(centres: torch.Tensor) -> list:
    return sorted(bbox_xyxy_to_cxcywh(centres)[:, 2:].cpu().numpy().tolist(), key=lambda wh: wh[0] * wh[1])


def kmeans_anchors(boxes: torch.Tensor, num_anchors: int, iters: int = 1000, init_indices=None,
                   logger=None) -> tuple:
    """k-means with IoU as similarity (AlexeyAB's darknet): ``(anchors [[w, h], ...] by area, mean best IoU)``.

    Args:
        boxes: Centred boxes, see :func:`centred_boxes`.
        init_indices: The boxes that start as centres (default: drawn with torch's generator).
    """
    if init_indices is None:
        init_indices = torch.randint(0, boxes.shape[0], (num_anchors, ))
    centres = boxes[torch.as_tensor(init_indices, device=boxes.device)]
    assignments = torch.zeros(boxes.shape[0], device=boxes.device)
    for step in range(iters if num_anchors > 1 else 1):
        closest = bbox_overlaps(boxes, centres).argmax(1) if num_anchors > 1 else assignments.long()
        if num_anchors > 1 and bool((closest == assignments).all()):
            if logger is not None:
                logger.info(f'k-means converged at iteration {step}')
            break
        assignments = closest
        centres = centres.clone()
        for cluster in range(num_anchors):
            members = assignments == cluster
            if bool(members.any()):  # an emptied cluster keeps its centre
                centres[cluster] = boxes[members].mean(0)
    mean_iou = bbox_overlaps(boxes, centres).max(1)[0].mean().item()
    return _by_area(centres), mean_iou


def mean_iou_cost(anchor_params: np.ndarray, boxes: torch.Tensor) -> float:
    """1 - the mean over boxes of the best IoU with anchors ``[w0, h0, w1, h1, ...]`` (both centred)."""
    anchors = centred_boxes(np.asarray(anchor_params, dtype=np.float64).reshape(-1, 2), boxes.device)
    return 1 - bbox_overlaps(boxes, anchors).max(1)[0].mean().item()


def evolve_anchors(boxes: torch.Tensor, num_anchors: int, input_shape, iters: int = 1000, seed=None) -> tuple:
    """Differential evolution of the anchors (scipy): ``(anchors by area, mean best IoU)``."""
    try:
        from scipy.optimize import differential_evolution
    except ImportError as exc:
        raise SystemExit('--algorithm differential_evolution needs scipy: pip install scipy '
                         '(or use --algorithm k-means)') from exc
    result = differential_evolution(mean_iou_cost, bounds=[(0, input_shape[0]), (0, input_shape[1])] * num_anchors,
                                    args=(boxes, ), strategy='best1bin', maxiter=iters, popsize=15, tol=1e-4,
                                    mutation=(0.5, 1), recombination=0.7, updating='immediate', seed=seed)
    anchors = sorted(np.asarray(result.x).reshape(-1, 2).tolist(), key=lambda wh: wh[0] * wh[1])
    return anchors, 1 - float(result.fun)


def as_base_sizes(anchors: list, base_sizes: list) -> list:
    """The anchors (by area) grouped like ``base_sizes`` (largest group first when the config's is)."""
    rounded = [[round(w), round(h)] for w, h in anchors]
    counts = [len(level) for level in base_sizes]
    largest_first = np.prod(base_sizes[0][0]) > np.prod(base_sizes[-1][0])
    groups, start = [], 0
    for count in (counts[::-1] if largest_first else counts):
        groups.append([tuple(wh) for wh in rounded[start:start + count]])
        start += count
    return groups[::-1] if largest_first else groups


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Fit YOLO anchor sizes to the boxes of a training set')
    parser.add_argument('config', help='the config file (a YOLOAnchorGenerator model)')
    parser.add_argument('--device', default=None, help='where to compute (default: cuda:0 if there is one, else cpu)')
    parser.add_argument('--input-shape', type=int, nargs='+', default=[608, 608], help='network input: width height')
    parser.add_argument('--algorithm', default='differential_evolution',
                        help='k-means or differential_evolution (needs scipy)')
    parser.add_argument('--iters', default=1000, type=int, help='most iterations of the optimiser')
    parser.add_argument('--output-dir', default=None, type=str, help='write anchor_optimize_result.json here')
    parser.add_argument('--seed', type=int, default=0, help='seed of the initial centres / the evolution')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='config entries to change, as key=value pairs (dotted keys for nested entries)')
    return parser.parse_args(argv)


def main(argv=None) -> list:
    args = parse_args(argv)
    if len(args.input_shape) != 2:
        raise SystemExit(f'--input-shape needs width and height, got {args.input_shape}')
    if args.algorithm not in ('k-means', 'differential_evolution'):
        raise SystemExit(f'--algorithm must be k-means or differential_evolution, got {args.algorithm!r}')
    logger = get_root_logger()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    cfg = replace_cfg_vals(cfg)
    update_data_root(cfg)
    generator = cfg.model.get('bbox_head', {}).get('anchor_generator', {})
    if generator.get('type') != 'YOLOAnchorGenerator':
        raise SystemExit(f'{args.config}: model.bbox_head.anchor_generator must be a YOLOAnchorGenerator, got '
                         f'{generator.get("type")}')
    from mmlite.datasets import build_dataset  # the detection stack only when the config is right
    train = cfg.data.train
    while 'dataset' in train:
        train = train['dataset']
    sizes = box_sizes_at_input_shape(build_dataset(train), args.input_shape)
    logger.info(f'fitting anchors to {len(sizes)} boxes')
    device = args.device or ('cuda:0' if torch.cuda.is_available() else 'cpu')
    boxes = centred_boxes(sizes, device)
    num_anchors = sum(len(level) for level in generator.base_sizes)
    if args.algorithm == 'k-means':
        torch.manual_seed(args.seed)
        anchors, mean_iou = kmeans_anchors(boxes, num_anchors, args.iters, logger=logger)
    else:
        anchors, mean_iou = evolve_anchors(boxes, num_anchors, args.input_shape, args.iters, args.seed)
    result = [[round(w), round(h)] for w, h in anchors]
    logger.info(f'anchors (mean best IoU {mean_iou:.4f}): {result}')
    logger.info(f'as base_sizes: {as_base_sizes(anchors, generator.base_sizes)}')
    if args.output_dir:
        dump(result, osp.join(args.output_dir, 'anchor_optimize_result.json'))
        logger.info(f'written to {osp.join(args.output_dir, "anchor_optimize_result.json")}')
    return result


if __name__ == '__main__':
    main()
