"""Small tensor helpers used across heads (mmdet.core.utils names)."""
from __future__ import annotations

from functools import partial
from typing import Any, Callable

import numpy as np
import torch
import torch.distributed as dist


def multi_apply(func: Callable, *args, **kwargs) -> tuple:
    """Apply ``func`` to each element of the argument lists; return a tuple of result lists."""
    pfunc = partial(func, **kwargs) if kwargs else func
    map_results = map(pfunc, *args)
    return tuple(map(list, zip(*map_results)))


def unmap(data: torch.Tensor, count: int, inds: torch.Tensor, fill: float = 0) -> torch.Tensor:
    """Scatter ``data`` back to a tensor of ``count`` entries at the positions where ``inds`` is set."""
    if data.dim() == 1:
        ret = data.new_full((count, ), fill)
        ret[inds.type(torch.bool)] = data
    else:
        ret = data.new_full((count, ) + data.size()[1:], fill)
        ret[inds.type(torch.bool), :] = data
    return ret


def select_single_mlvl(mlvl_tensors: list, batch_id: int, detach: bool = True) -> list:
    """The ``batch_id``-th image of each level (detached by default)."""
    return [t[batch_id].detach() if detach else t[batch_id] for t in mlvl_tensors]


def filter_scores_and_topk(scores: torch.Tensor, score_thr: float, topk: int, results: Any = None) -> tuple:
    """Keep ``(prior, class)`` scores above ``score_thr``, the ``topk`` best of them (all when < 0).

    Returns:
        ``(scores, labels, keep_idxs, filtered results)``.
    """
    valid_mask = scores > score_thr
    scores = scores[valid_mask]
    valid_idxs = torch.nonzero(valid_mask)
    num_topk = valid_idxs.size(0) if topk < 0 else min(topk, valid_idxs.size(0))
    scores, idxs = scores.sort(descending=True)
    scores = scores[:num_topk]
    keep_idxs, labels = valid_idxs[idxs[:num_topk]].unbind(dim=1)
    filtered = None
    if isinstance(results, dict):
        filtered = {k: v[keep_idxs] for k, v in results.items()}
    elif isinstance(results, list):
        filtered = [r[keep_idxs] for r in results]
    elif isinstance(results, torch.Tensor):
        filtered = results[keep_idxs]
    elif results is not None:
        raise NotImplementedError(f'Only supports dict or list or Tensor, but get {type(results)}.')
    return scores, labels, keep_idxs, filtered


def reduce_mean(tensor: torch.Tensor) -> torch.Tensor:
    """Mean over processes (the tensor itself when not distributed)."""
    if not (dist.is_available() and dist.is_initialized()):
        return tensor
    tensor = tensor.clone()
    dist.all_reduce(tensor.div_(dist.get_world_size()), op=dist.ReduceOp.SUM)
    return tensor


def flip_tensor(src_tensor: torch.Tensor, flip_direction: str) -> torch.Tensor:
    """Flip an ``(N, C, H, W)`` tensor 'horizontal'ly, 'vertical'ly or 'diagonal'ly."""
    dims = {'horizontal': [3], 'vertical': [2], 'diagonal': [2, 3]}
    if src_tensor.ndim != 4 or flip_direction not in dims:
        raise ValueError(f'flip_tensor needs a 4-D tensor and one of {list(dims)}, got {src_tensor.ndim}-D and '
                         f'{flip_direction!r}')
    return torch.flip(src_tensor, dims[flip_direction])


def mask2ndarray(mask) -> np.ndarray:
    """Instance masks (BitmapMasks/PolygonMasks, array or tensor) as an ``(N, H, W)`` array."""
    if hasattr(mask, 'to_ndarray'):
        return mask.to_ndarray()
    if isinstance(mask, torch.Tensor):
        return mask.detach().cpu().numpy()
    if isinstance(mask, np.ndarray):
        return mask
    raise TypeError(f'Unsupported {type(mask)} data type')


def center_of_mass(mask: torch.Tensor, esp: float = 1e-6) -> tuple[torch.Tensor, torch.Tensor]:
    """``(row, column)`` centre of mass of an ``(H, W)`` mask."""
    h, w = mask.shape
    rows = torch.arange(h, device=mask.device)[:, None]
    cols = torch.arange(w, device=mask.device)
    total = mask.sum().float().clamp(min=esp)
    return (mask * rows).sum() / total, (mask * cols).sum() / total


def generate_coordinate(featmap_sizes, device: str | torch.device = 'cuda') -> torch.Tensor:
    """``(N, 2, H, W)`` x/y coordinates in [-1, 1] for a feature map of ``featmap_sizes`` (N, C, H, W);
    the default device falls back to the CPU where CUDA is not available."""
    if str(device).startswith('cuda') and not torch.cuda.is_available():
        device = 'cpu'
    x_range = torch.linspace(-1, 1, featmap_sizes[-1], device=device)
    y_range = torch.linspace(-1, 1, featmap_sizes[-2], device=device)
    y, x = torch.meshgrid(y_range, x_range, indexing='ij')
    shape = [featmap_sizes[0], 1, -1, -1]
    return torch.cat([x.expand(shape), y.expand(shape)], 1)
