"""``YOLOXLrUpdaterHook`` (``lr_config.policy='YOLOX'``): quadratic warm-up, cosine, then a flat tail."""
from __future__ import annotations

from ...runner import HOOKS
from ...runner.hooks import _schedules as S
from ...runner.hooks.lr_updater import CosineAnnealingLrUpdaterHook


@HOOKS.register_module()
class YOLOXLrUpdaterHook(CosineAnnealingLrUpdaterHook):
    """Warm-up ``lr = base * warmup_ratio * ((iter + 1) / warmup_iters) ** 2`` (whatever ``warmup`` names),
    then cosine from the base LR to ``min_lr``/``base * min_lr_ratio``, reached when the last
    ``num_last_epochs`` epochs start and kept to the end."""

    def __init__(self, num_last_epochs: int, **kwargs):
        self.num_last_epochs = num_last_epochs
        super().__init__(**kwargs)

    def get_warmup_lr(self, cur_iters: int):
        factor = self.warmup_ratio * ((cur_iters + 1) / float(self.warmup_iters))**2
        if isinstance(self.base_lr, dict):
            return {key: [lr * factor for lr in base] for key, base in self.base_lr.items()}
        return [lr * factor for lr in self.base_lr]

    def get_lr(self, runner, base_lr: float) -> float:
        last_iter = len(runner.data_loader) * self.num_last_epochs
        progress, max_progress = self.progress(runner)
        progress += 1
        target = base_lr * self.min_lr_ratio if self.min_lr_ratio is not None else self.min_lr
        if progress >= max_progress - last_iter:
            return target
        return S.annealing_cos(base_lr, target, (progress - self.warmup_iters) /
                               (max_progress - self.warmup_iters - last_iter))
