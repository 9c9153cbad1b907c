"""``DistSamplerSeedHook``: tell the sampler the epoch so each epoch shuffles differently (and
every rank shuffles the same way)."""
from .hook import HOOKS, Hook


def set_sampler_epoch(data_loader, epoch: int) -> bool:
    """Call ``set_epoch`` on the loader's sampler or batch sampler (whichever has it)."""
    for sampler in (getattr(data_loader, 'sampler', None),
                    getattr(getattr(data_loader, 'batch_sampler', None), 'sampler', None),
                    getattr(data_loader, 'batch_sampler', None)):
        if hasattr(sampler, 'set_epoch'):
            sampler.set_epoch(epoch)
            return True
    return False


@HOOKS.register_module()
class DistSamplerSeedHook(Hook):
    """Set the sampler's epoch before each epoch."""

    def before_epoch(self, runner) -> None:
        set_sampler_epoch(runner.data_loader, runner.epoch)
