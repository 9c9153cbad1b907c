"""The mmcv 1.x runner API (``mmcv.runner`` → ``mmlite.runner``); needs torch only."""
from .base_module import BaseModule, ModuleDict, ModuleList, Sequential
from .base_runner import BaseRunner
from .builder import RUNNER_BUILDERS, RUNNERS, DefaultRunnerConstructor, build_runner
from .checkpoint import (CheckpointLoader, _load_checkpoint, _load_checkpoint_with_prefix, find_latest_checkpoint,
                         get_state_dict, load_checkpoint, load_state_dict, save_checkpoint, weights_to_cpu)
from .dist_utils import allreduce_grads, allreduce_params, get_dist_info, init_dist, master_only
from .epoch_based_runner import EpochBasedRunner, Runner
from .fp16_utils import LossScaler, auto_fp16, force_fp32, wrap_fp16_model
from .hooks import (HOOKS, CheckpointHook, ClearMLLoggerHook, ClosureHook, CosineAnnealingLrUpdaterHook,
                    CosineAnnealingMomentumUpdaterHook, CosineRestartLrUpdaterHook, CyclicLrUpdaterHook,
                    CyclicMomentumUpdaterHook, DistEvalHook, DistSamplerSeedHook, DvcliveLoggerHook, EMAHook,
                    EmptyCacheHook, EvalHook, ExpLrUpdaterHook, FixedLrUpdaterHook, FlatCosineAnnealingLrUpdaterHook,
                    Fp16OptimizerHook, GradientCumulativeFp16OptimizerHook, GradientCumulativeOptimizerHook, Hook,
                    InvLrUpdaterHook, IterTimerHook, LinearAnnealingLrUpdaterHook, LinearAnnealingMomentumUpdaterHook,
                    LoggerHook, LrUpdaterHook, MlflowLoggerHook, MomentumUpdaterHook, NeptuneLoggerHook,
                    NonFiniteLossError, OneCycleLrUpdaterHook, OneCycleMomentumUpdaterHook, OptimizerHook,
                    PaviLoggerHook, PolyLrUpdaterHook, ProfilerHook, SegmindLoggerHook, StepLrUpdaterHook,
                    StepMomentumUpdaterHook, SyncBuffersHook, TensorboardLoggerHook, TextLoggerHook, WandbLoggerHook)
from .iter_based_runner import IterBasedRunner, IterLoader
from .log_buffer import LogBuffer
from .optimizer import (OPTIMIZER_BUILDERS, OPTIMIZERS, DefaultOptimizerConstructor, build_optimizer,
                        build_optimizer_constructor)
from .priority import Priority, get_priority
from .utils import get_host_info, get_time_str, obj_from_dict, set_random_seed

__all__ = [
    'BaseModule', 'BaseRunner', 'CheckpointHook', 'CheckpointLoader', 'ClearMLLoggerHook',
    'ClosureHook', 'CosineAnnealingLrUpdaterHook', 'CosineAnnealingMomentumUpdaterHook',
    'CosineRestartLrUpdaterHook', 'CyclicLrUpdaterHook', 'CyclicMomentumUpdaterHook',
    'DefaultOptimizerConstructor', 'DefaultRunnerConstructor', 'DistEvalHook',
    'DistSamplerSeedHook', 'DvcliveLoggerHook', 'EMAHook', 'EpochBasedRunner', 'EvalHook',
    'ExpLrUpdaterHook', 'FixedLrUpdaterHook', 'FlatCosineAnnealingLrUpdaterHook',
    'Fp16OptimizerHook', 'GradientCumulativeFp16OptimizerHook', 'GradientCumulativeOptimizerHook',
    'HOOKS', 'Hook', 'InvLrUpdaterHook', 'IterBasedRunner', 'IterLoader', 'IterTimerHook',
    'LinearAnnealingLrUpdaterHook', 'LinearAnnealingMomentumUpdaterHook', 'LogBuffer', 'LoggerHook',
    'LossScaler', 'LrUpdaterHook', 'MlflowLoggerHook', 'ModuleDict', 'ModuleList',
    'MomentumUpdaterHook', 'NeptuneLoggerHook', 'OPTIMIZERS', 'OPTIMIZER_BUILDERS',
    'OneCycleLrUpdaterHook', 'OneCycleMomentumUpdaterHook', 'OptimizerHook', 'PaviLoggerHook',
    'PolyLrUpdaterHook', 'Priority', 'RUNNERS', 'Runner', 'SegmindLoggerHook', 'Sequential',
    'StepLrUpdaterHook', 'StepMomentumUpdaterHook', 'SyncBuffersHook', 'TensorboardLoggerHook',
    'TextLoggerHook', 'WandbLoggerHook', '_load_checkpoint', '_load_checkpoint_with_prefix',
    'allreduce_grads', 'allreduce_params', 'auto_fp16', 'wrap_fp16_model', 'build_optimizer',
    'build_optimizer_constructor', 'build_runner', 'force_fp32', 'get_dist_info', 'get_host_info',
    'get_priority', 'get_time_str', 'init_dist', 'load_checkpoint', 'load_state_dict', 'master_only',
    'obj_from_dict', 'save_checkpoint', 'set_random_seed', 'weights_to_cpu',
    # beyond mmcv's __all__ (importable from mmcv.runner too, or mmlite additions)
    'EmptyCacheHook', 'ProfilerHook', 'RUNNER_BUILDERS', 'find_latest_checkpoint', 'get_state_dict',
    'NonFiniteLossError'
]
