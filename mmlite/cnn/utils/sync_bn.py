"""``revert_sync_batchnorm``: SyncBatchNorm layers back to plain BatchNorm, e.g. to run a model
trained with ``norm_cfg=dict(type='SyncBN')`` on a CPU or in one process."""
from __future__ import annotations

import torch.nn as nn
from torch.nn.modules.batchnorm import _BatchNorm


class _BatchNormXd(_BatchNorm):
    """BatchNorm for inputs of any rank, as SyncBatchNorm accepts them."""

    def _check_input_dim(self, input) -> None:
        return


def revert_sync_batchnorm(module: nn.Module) -> nn.Module:
    """Replace every ``nn.SyncBatchNorm`` in ``module`` (the module itself included) by a BatchNorm
    with the same parameters, statistics and ``requires_grad`` flags.

    Returns:
        The converted module (``module`` itself, changed in place, unless it is a SyncBatchNorm).
    """
    converted = module
    if isinstance(module, nn.SyncBatchNorm):
        converted = _BatchNormXd(module.num_features, module.eps, module.momentum, module.affine,
                                 module.track_running_stats)
        if module.affine:
            converted.weight = module.weight  # the same Parameters: requires_grad and values carry over
            converted.bias = module.bias
        converted.running_mean = module.running_mean
        converted.running_var = module.running_var
        converted.num_batches_tracked = module.num_batches_tracked
        converted.training = module.training
        if hasattr(module, 'qconfig'):
            converted.qconfig = module.qconfig
    for name, child in module.named_children():
        converted.add_module(name, revert_sync_batchnorm(child))
    return converted
