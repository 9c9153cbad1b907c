"""``YOLOXModeSwitchHook``: YOLOX's last epochs without the mixing transforms and with the L1 loss."""
from __future__ import annotations

from ...parallel import is_module_wrapper
from ...runner import HOOKS, Hook


@HOOKS.register_module()
class YOLOXModeSwitchHook(Hook):
    """When the last ``num_last_epochs`` epochs start, skip the transforms ``skip_type_keys`` of the training
    set (a ``MultiImageMixDataset``) and switch on ``bbox_head.use_l1``. Persistent loader workers are
    restarted so they see the change (also after a resume into the last epochs)."""

    def __init__(self, num_last_epochs: int = 15, skip_type_keys=('Mosaic', 'RandomAffine', 'MixUp')):
        self.num_last_epochs, self.skip_type_keys = num_last_epochs, skip_type_keys
        self._switched = False

    def before_train_epoch(self, runner) -> None:
        if self._switched or runner.epoch + 1 < runner.max_epochs - self.num_last_epochs:
            return
        model = runner.model.module if is_module_wrapper(runner.model) else runner.model
        loader = runner.data_loader
        dataset = loader.dataset
        if not hasattr(dataset, 'update_skip_type_keys'):
            raise TypeError(f'YOLOXModeSwitchHook needs a MultiImageMixDataset training set, got '
                            f'{type(dataset).__name__}')
        runner.logger.info('YOLOXModeSwitchHook: no mosaic and mixup from now on, L1 loss added')
        dataset.update_skip_type_keys(self.skip_type_keys)
        if getattr(loader, 'persistent_workers', False):
            loader._iterator = None  # the next epoch starts fresh workers with the updated dataset
        model.bbox_head.use_l1 = True
        self._switched = True
