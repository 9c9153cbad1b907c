"""``BaseModule``: an ``nn.Module`` initialised from ``init_cfg``; Sequential/ModuleList/ModuleDict."""
from __future__ import annotations

import copy
import warnings
from typing import Iterable

import torch.nn as nn

from ..utils import print_log
from ..utils.logging import logger_initialized
from .weight_init import initialize


class BaseModule(nn.Module):
    """A module whose ``init_weights`` applies ``init_cfg`` and then its children's.

    ``init_weights`` follows mmcv 1.x: this module's ``init_cfg`` first (a ``Pretrained`` one ends
    the call so loaded weights are not overwritten), then every child's ``init_weights``; a second
    call warns and does nothing.

    Args:
        init_cfg: An initializer dict or a list of them. Defaults to None.
    """

    def __init__(self, init_cfg: dict | list | None = None):
        super().__init__()
        self._is_init = False
        self.init_cfg = copy.deepcopy(init_cfg)

    @property
    def is_init(self) -> bool:
        return self._is_init

    def init_weights(self) -> None:
        """Initialise parameters from ``init_cfg`` and the children's ``init_weights``."""
        logger_name = next(iter(logger_initialized), 'mmlite')
        if self._is_init:
            warnings.warn(f'init_weights of {self.__class__.__name__} has been called more than once.')
            return
        if self.init_cfg:
            print_log(f'initialize {self.__class__.__name__} with init_cfg {self.init_cfg}',
                      logger=logger_name)
            initialize(self, self.init_cfg)
            if isinstance(self.init_cfg, dict) and self.init_cfg.get('type') == 'Pretrained':
                self._is_init = True
                return
        for child in self.children():
            if hasattr(child, 'init_weights'):
                child.init_weights()
        self._is_init = True

    def __repr__(self) -> str:
        text = super().__repr__()
        if self.init_cfg:
            text += f'\ninit_cfg={self.init_cfg}'
        return text


class Sequential(BaseModule, nn.Sequential):
    """``nn.Sequential`` with ``init_cfg``."""

    def __init__(self, *args: nn.Module, init_cfg: dict | list | None = None):
        BaseModule.__init__(self, init_cfg)
        nn.Sequential.__init__(self, *args)


class ModuleList(BaseModule, nn.ModuleList):
    """``nn.ModuleList`` with ``init_cfg``."""

    def __init__(self, modules: Iterable[nn.Module] | None = None, init_cfg: dict | list | None = None):
        BaseModule.__init__(self, init_cfg)
        nn.ModuleList.__init__(self, modules)


class ModuleDict(BaseModule, nn.ModuleDict):
    """``nn.ModuleDict`` with ``init_cfg``."""

    def __init__(self, modules: dict | None = None, init_cfg: dict | list | None = None):
        BaseModule.__init__(self, init_cfg)
        nn.ModuleDict.__init__(self, modules)
