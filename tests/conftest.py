"""Shared toy fixtures: a model with train_step/val_step, toy loaders, a runner factory."""
from __future__ import annotations

import logging

import pytest
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

from mmlite.runner import EpochBasedRunner, IterBasedRunner
from mmlite.utils import get_logger


class ToyDataset(Dataset):
    """``n`` fixed samples of a noisy linear function."""

    def __init__(self, n: int = 8, seed: int = 0):
        gen = torch.Generator().manual_seed(seed)
        self.x = torch.randn(n, 2, generator=gen)
        self.y = self.x @ torch.tensor([[1.5], [-0.5]]) + 0.1 * torch.randn(n, 1, generator=gen)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, idx):
        return dict(x=self.x[idx], y=self.y[idx])

    def evaluate(self, results, logger=None, **kwargs):
        return dict(mse=float(torch.stack(results).mean()))


class ToyModel(nn.Module):
    """A linear regressor with mmcv's train_step/val_step contract."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(2, 1)

    def forward(self, x, y=None, return_loss=True):
        pred = self.linear(x)
        if not return_loss:
            return list(((pred - y)**2).mean(dim=1).detach())
        return pred

    def train_step(self, data, optimizer=None, **kwargs):
        loss = ((self(data['x']) - data['y'])**2).mean()
        return dict(loss=loss, log_vars=dict(loss=loss.item()), num_samples=len(data['x']))

    def val_step(self, data, optimizer=None, **kwargs):
        return self.train_step(data, optimizer, **kwargs)


def toy_loader(n: int = 8, batch_size: int = 2, shuffle: bool = False, seed: int = 0) -> DataLoader:
    return DataLoader(ToyDataset(n, seed), batch_size=batch_size, shuffle=shuffle)


def make_runner(kind: str, tmp_path, model: nn.Module | None = None, max_epochs: int = 2,
                max_iters: int = 8, lr: float = 0.1, momentum: float = 0.9, **kwargs):
    """An EpochBasedRunner (``kind='epoch'``) or IterBasedRunner (``kind='iter'``) on ToyModel."""
    model = model or ToyModel()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    kwargs.setdefault('logger', get_logger('mmlite_tests', log_level=logging.WARNING))
    common = dict(model=model, optimizer=optimizer, work_dir=str(tmp_path), **kwargs)
    if kind == 'epoch':
        return EpochBasedRunner(max_epochs=max_epochs, **common)
    return IterBasedRunner(max_iters=max_iters, **common)


@pytest.fixture(params=['epoch', 'iter'])
def runner_kind(request):
    return request.param
