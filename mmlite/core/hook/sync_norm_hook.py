"""``SyncNormHook``: average the norm layers' statistics over processes every few epochs (YOLOX)."""
from __future__ import annotations

from collections import OrderedDict

from torch import nn

from ...runner import HOOKS, Hook, get_dist_info
from ..utils.dist_utils import all_reduce_dict


def get_norm_states(module: nn.Module) -> OrderedDict:
    """The state (weights and running statistics) of every norm layer of ``module``, by full name."""
    states = OrderedDict()
    for name, child in module.named_modules():
        if isinstance(child, nn.modules.batchnorm._NormBase):
            for key, value in child.state_dict().items():
                states[f'{name}.{key}'] = value
    return states


@HOOKS.register_module()
class SyncNormHook(Hook):
    """After every ``interval``-th training epoch (every epoch once the last ``num_last_epochs`` start), set
    every process's norm states to their mean over processes (BN statistics drift apart per process). Does
    nothing in a single process."""

    def __init__(self, num_last_epochs: int = 15, interval: int = 1):
        self.interval, self.num_last_epochs = interval, num_last_epochs

    def before_train_epoch(self, runner) -> None:
        if runner.epoch + 1 >= runner.max_epochs - self.num_last_epochs:  # also after a resume into them
            self.interval = 1

    def after_train_epoch(self, runner) -> None:
        if (runner.epoch + 1) % self.interval or get_dist_info()[1] == 1:
            return
        states = get_norm_states(runner.model)
        if states:
            averaged = all_reduce_dict(states, op='mean')
            runner.model.load_state_dict({k: v.to(states[k].dtype) for k, v in averaged.items()}, strict=False)
