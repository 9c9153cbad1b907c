"""``AutoAugment``: apply one randomly chosen policy (a list of transforms) per sample."""
from __future__ import annotations

import copy

import numpy as np

from ..registry import PIPELINES
from .auto_augment_ops import (BrightnessTransform, ColorTransform,  # noqa: F401 (mmdet's auto_augment names)
                               ContrastTransform, EqualizeTransform, Rotate, Shear, Translate, bbox2fields,
                               enhance_level_to_value, level_to_value, random_negative)
from .compose import Compose


def _check_policies(policies) -> None:
    if not isinstance(policies, list) or not policies:
        raise TypeError(f'AutoAugment.policies must be a non-empty list of policies, got {policies!r}')
    for i, policy in enumerate(policies):
        if not isinstance(policy, list) or not policy:
            raise TypeError(f'AutoAugment.policies[{i}] must be a non-empty list of transforms, got {policy!r}')
        for j, transform in enumerate(policy):
            if not isinstance(transform, dict) or 'type' not in transform:
                raise TypeError(f'AutoAugment.policies[{i}][{j}] must be a dict with a "type", got {transform!r}')


@PIPELINES.register_module()
class AutoAugment:
    """Pick one of ``policies`` uniformly at random (numpy's global generator, as mmdet) and run its
    transforms in order. Each policy is a list of pipeline dicts, e.g. mmdet's Swin/DETR multi-scale crop:
    ``[[dict(type='Resize', ...)], [dict(type='Resize', ...), dict(type='RandomCrop', ...), ...]]``."""

    def __init__(self, policies: list):
        _check_policies(policies)
        self.policies = copy.deepcopy(policies)
        self.transforms = [Compose(policy) for policy in self.policies]

    def __call__(self, results: dict):
        return self.transforms[np.random.randint(len(self.transforms))](results)

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(policies={self.policies})'
