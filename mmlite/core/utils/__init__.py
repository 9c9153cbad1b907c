"""Tensor and distributed helpers (mmdet.core.utils names)."""
from .dist_utils import DistOptimizerHook, all_reduce_dict, allreduce_grads, sync_random_seed
from .misc import (center_of_mass, filter_scores_and_topk, flip_tensor, generate_coordinate, mask2ndarray, multi_apply,
                   reduce_mean, select_single_mlvl, unmap)

__all__ = ['multi_apply', 'unmap', 'select_single_mlvl', 'filter_scores_and_topk', 'reduce_mean', 'flip_tensor',
           'mask2ndarray', 'center_of_mass', 'generate_coordinate', 'sync_random_seed', 'all_reduce_dict',
           'allreduce_grads', 'DistOptimizerHook']
