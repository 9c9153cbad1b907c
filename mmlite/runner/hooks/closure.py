"""``ClosureHook``: turn a function into a hook for one stage."""
from typing import Callable

from .hook import HOOKS, Hook


@HOOKS.register_module()
class ClosureHook(Hook):
    """Run ``fn(runner)`` at stage ``fn_name`` (e.g. ``'after_train_iter'``)."""

    def __init__(self, fn_name: str, fn: Callable):
        if not hasattr(self, fn_name):
            raise ValueError(f'{fn_name!r} is not a hook stage; use one of {", ".join(Hook.stages)}')
        if not callable(fn):
            raise TypeError(f'fn must be callable, got {type(fn)}')
        setattr(self, fn_name, fn)
