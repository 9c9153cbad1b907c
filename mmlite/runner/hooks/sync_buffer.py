"""``SyncBuffersHook``: average model buffers (e.g. BN statistics) across processes each epoch."""
from ..dist_utils import allreduce_params
from .hook import HOOKS, Hook


@HOOKS.register_module()
class SyncBuffersHook(Hook):
    """All-reduce buffers after each epoch when ``distributed``."""

    def __init__(self, distributed: bool = True):
        self.distributed = distributed

    def after_epoch(self, runner) -> None:
        if self.distributed:
            allreduce_params(runner.model.buffers())
