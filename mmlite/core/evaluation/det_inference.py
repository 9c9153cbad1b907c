"""Detection inference over a data loader (mmdet's ``single_gpu_test``/``multi_gpu_test``).

Unlike mmcv's loops these ask the model for results in the original image frame
(``rescale=True``), RLE-encode masks right away (to keep memory flat) and can draw the results.
"""
from __future__ import annotations

import functools
import os.path as osp

import torch

from ...engine import collect_results, run_inference
from ...image import imresize, tensor2imgs
from ...parallel import is_module_wrapper
from ..mask import encode_mask_results


def _first(container):
    """The tensor or list inside a (possibly DataContainer-wrapped, per-augmentation) batch entry."""
    value = container[0] if isinstance(container, (list, tuple)) else container
    return value.data[0] if hasattr(value, 'data') and not isinstance(value, torch.Tensor) else value


def _draw(model, data: dict, result: list, show: bool, out_dir: str | None, score_thr: float) -> None:
    img_metas = _first(data['img_metas'])
    imgs = tensor2imgs(_first(data['img']), **img_metas[0]['img_norm_cfg'])
    detector = model.module if is_module_wrapper(model) else model
    for img, meta, res in zip(imgs, img_metas, result):
        h, w = meta['img_shape'][:2]
        ori_h, ori_w = meta['ori_shape'][:2]
        shown = imresize(img[:h, :w], (ori_w, ori_h))
        out_file = osp.join(out_dir, meta['ori_filename']) if out_dir else None
        detector.show_result(shown, res, show=show, out_file=out_file, score_thr=score_thr)


def _postprocess(model, show: bool, out_dir: str | None, score_thr: float, data: dict, result: list) -> list:
    if show or out_dir:
        _draw(model, data, result, show, out_dir, score_thr)
    if result and isinstance(result[0], tuple):
        return [(bbox, encode_mask_results(segm)) for bbox, segm in result]
    if result and isinstance(result[0], dict) and 'ins_results' in result[0]:  # panoptic models' instances
        return [dict(r, ins_results=(r['ins_results'][0], encode_mask_results(r['ins_results'][1]))) for r in result]
    return result


def single_gpu_test(model: torch.nn.Module, data_loader, show: bool = False, out_dir: str | None = None,
                    show_score_thr: float = 0.3) -> list:
    """Per-image results in dataset order; with ``out_dir`` each image is drawn to
    ``out_dir/<ori_filename>`` with detections above ``show_score_thr``."""
    post = functools.partial(_postprocess, model, show, out_dir, show_score_thr)
    return run_inference(model, data_loader, dict(rescale=True), post)


def multi_gpu_test(model: torch.nn.Module, data_loader, tmpdir: str | None = None,
                   gpu_collect: bool = False) -> list | None:
    """Distributed inference; rank 0 gets all results in dataset order, other ranks None."""
    post = functools.partial(_postprocess, model, False, None, 0.3)
    results = run_inference(model, data_loader, dict(rescale=True), post)
    return collect_results(results, len(data_loader.dataset), tmpdir, gpu_collect)
