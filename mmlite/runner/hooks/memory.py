"""``EmptyCacheHook``: release cached CUDA memory at chosen points."""
import torch

from .hook import HOOKS, Hook


@HOOKS.register_module()
class EmptyCacheHook(Hook):
    """Call ``torch.cuda.empty_cache()`` before/after epochs and/or after iterations."""

    def __init__(self, before_epoch: bool = False, after_epoch: bool = True, after_iter: bool = False):
        self._before_epoch = before_epoch
        self._after_epoch = after_epoch
        self._after_iter = after_iter

    def after_iter(self, runner) -> None:
        if self._after_iter and torch.cuda.is_available():
            torch.cuda.empty_cache()

    def before_epoch(self, runner) -> None:
        if self._before_epoch and torch.cuda.is_available():
            torch.cuda.empty_cache()

    def after_epoch(self, runner) -> None:
        if self._after_epoch and torch.cuda.is_available():
            torch.cuda.empty_cache()
