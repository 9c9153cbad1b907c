"""Config mistakes fail when the run starts, naming the key as written and the fix."""
import pytest
import torch
from torch import nn

from mmlite.runner import EpochBasedRunner


class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 1)

    def train_step(self, data, optimizer=None):
        loss = self.fc(data).sum()
        return dict(loss=loss, log_vars=dict(loss=loss.item()), num_samples=len(data))


def _runner(tmp_path):
    model = Tiny()
    return EpochBasedRunner(model, optimizer=torch.optim.SGD(model.parameters(), lr=0.1), work_dir=str(tmp_path),
                            max_epochs=1)


@pytest.mark.parametrize('hooks, error, message', [
    (dict(checkpoint_config=dict(interval='1')), TypeError, "checkpoint_config.interval must be an int, got '1'"),
    (dict(checkpoint_config=dict(interval=1, max_keep_ckpts=2.5)), TypeError, 'checkpoint_config.max_keep_ckpts'),
    (dict(optimizer_config=dict(grad_clip=dict(max_norm=-1))), ValueError, 'grad_clip.max_norm must be a positive'),
    (dict(optimizer_config=dict(grad_clip=35)), TypeError, 'grad_clip must be a dict'),
    (dict(lr_config=dict(policy='CosineAnnealing', min_lr=0.1, min_lr_ratio=0.1)), ValueError,
     'exactly one of min_lr and min_lr_ratio'),
    (dict(lr_config=dict(policy='Cosine')), KeyError, "Did you mean 'CosineAnnealingLrUpdaterHook'"),
    (dict(lr_config=dict(policy='step', step=[1], warmup='lin')), ValueError, '"lin" is not a supported type'),
    (dict(log_config=dict(interval=1, hooks=[dict(type='TextLogerHook')])), KeyError, "Did you mean 'TextLoggerHook'"),
])
def test_bad_hook_configs_fail_at_registration(tmp_path, hooks, error, message):
    hooks.setdefault('lr_config', None)
    with pytest.raises(error, match=message.replace('(', r'\(').replace('[', r'\[')):
        _runner(tmp_path).register_training_hooks(**hooks)


def test_unknown_checkpoint_key_fails_before_training_with_a_hint(tmp_path):
    runner = _runner(tmp_path)
    runner.register_training_hooks(None, checkpoint_config=dict(intervl=1))
    hint = 'checkpoint_config has unknown keys: "intervl" \\(did you mean "interval"\\?\\)'
    with pytest.raises(TypeError, match=hint):
        runner.run([[torch.ones(2, 2)]], [('train', 1)])
    assert runner.iter == 0  # nothing trained, nothing lost
