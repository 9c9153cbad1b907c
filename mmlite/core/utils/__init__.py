"""Tensor helpers (mmdet.core.utils names)."""
from .misc import filter_scores_and_topk, multi_apply, reduce_mean, select_single_mlvl, unmap

__all__ = ['multi_apply', 'unmap', 'select_single_mlvl', 'filter_scores_and_topk', 'reduce_mean']
