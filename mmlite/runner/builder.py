"""``RUNNERS``, ``RUNNER_BUILDERS``, ``DefaultRunnerConstructor`` and ``build_runner``."""
from __future__ import annotations

import copy
import warnings

from ..utils import Registry
from ..utils.errors import ReadableKeyError

RUNNERS = Registry('runner')
RUNNER_BUILDERS = Registry('runner builder')


@RUNNER_BUILDERS.register_module()
class DefaultRunnerConstructor:
    """Build the runner named by ``runner_cfg['type']`` with ``default_args``.

    Args:
        runner_cfg: ``type`` plus runner arguments (``max_epochs``/``max_iters``...).
        default_args: Arguments such as model, optimizer, work_dir, logger and meta.
    """

    def __init__(self, runner_cfg: dict, default_args: dict | None = None):
        if not isinstance(runner_cfg, dict):
            raise TypeError(f'runner_cfg should be a dict, but got {type(runner_cfg)}')
        self.runner_cfg = runner_cfg
        self.default_args = default_args

    def __call__(self):
        return RUNNERS.build(self.runner_cfg, default_args=self.default_args)


def build_runner_constructor(cfg: dict):
    return RUNNER_BUILDERS.build(cfg)


def build_runner(cfg: dict, default_args: dict | None = None):
    """Build a runner from ``cfg`` (``type``, optionally ``constructor``).

    ``runner_type`` is accepted as an old spelling of ``type``. The caller's dict is not modified.
    """
    runner_cfg = copy.deepcopy(dict(cfg))
    if 'runner_type' in runner_cfg:
        if 'type' in runner_cfg:
            raise ReadableKeyError('runner: set either "type" or the old "runner_type", not both')
        warnings.warn('runner.runner_type is deprecated, use runner.type', DeprecationWarning)
        runner_cfg['type'] = runner_cfg.pop('runner_type')
    if 'type' not in runner_cfg:
        raise ReadableKeyError(f'runner config needs a "type" (e.g. EpochBasedRunner), got {cfg}')
    if isinstance(runner_cfg['type'], str) and RUNNERS.get(runner_cfg['type']) is None:
        raise ReadableKeyError(RUNNERS.missing_message(runner_cfg['type'], 'runner.type'))
    constructor_type = runner_cfg.pop('constructor', 'DefaultRunnerConstructor')
    constructor = build_runner_constructor(
        dict(type=constructor_type, runner_cfg=runner_cfg, default_args=default_args))
    return constructor()
