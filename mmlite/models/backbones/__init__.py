"""Backbones with mmdet names."""
from .resnet import BasicBlock, Bottleneck, ResLayer, ResNet

__all__ = ['ResNet', 'ResLayer', 'BasicBlock', 'Bottleneck']
