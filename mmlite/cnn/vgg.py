"""``VGG``: mmcv.cnn's VGG backbone (the base of SSD's SSDVGG), same module layout and parameter names."""
from __future__ import annotations

import logging

import torch.nn as nn

from ..runner.weight_init import constant_init, kaiming_init, normal_init


def conv3x3(in_planes: int, out_planes: int, dilation: int = 1) -> nn.Module:
    """3x3 convolution with ``dilation`` padding."""
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, padding=dilation, dilation=dilation)


def make_vgg_layer(inplanes: int, planes: int, num_blocks: int, dilation: int = 1, with_bn: bool = False,
                   ceil_mode: bool = False) -> list:
    """One VGG stage: ``num_blocks`` x (conv3x3, [BN], ReLU), then a 2x2 max-pool."""
    layers = []
    for _ in range(num_blocks):
        layers += [conv3x3(inplanes, planes, dilation)] + ([nn.BatchNorm2d(planes)] if with_bn else [])
        layers.append(nn.ReLU(inplace=True))
        inplanes = planes
    layers.append(nn.MaxPool2d(kernel_size=2, stride=2, ceil_mode=ceil_mode))
    return layers


class VGG(nn.Module):
    """VGG-11/13/16/19: all layers in one ``features`` Sequential (indices as torchvision's/mmcv's).

    Args:
        depth: 11, 13, 16 or 19.
        with_bn: BatchNorm after each conv.
        num_classes: Add the classifier when > 0.
        num_stages / dilations / out_indices: Stages used, their dilations, the stages returned.
        frozen_stages: Stages frozen in training (-1: none).
        bn_eval / bn_frozen: BN layers in eval mode / with frozen parameters.
        ceil_mode: Max-pool ceil mode.
        with_last_pool: Keep the last stage's max-pool.
    """

    arch_settings = {11: (1, 1, 2, 2, 2), 13: (2, 2, 2, 2, 2), 16: (2, 2, 3, 3, 3), 19: (2, 2, 4, 4, 4)}

    def __init__(self, depth: int, with_bn: bool = False, num_classes: int = -1, num_stages: int = 5,
                 dilations=(1, 1, 1, 1, 1), out_indices=(0, 1, 2, 3, 4), frozen_stages: int = -1,
                 bn_eval: bool = True, bn_frozen: bool = False, ceil_mode: bool = False, with_last_pool: bool = True):
        super().__init__()
        if depth not in self.arch_settings:
            raise KeyError(f'invalid depth {depth} for vgg; use one of {sorted(self.arch_settings)}')
        if not 1 <= num_stages <= 5 or len(dilations) != num_stages or max(out_indices) > num_stages:
            raise ValueError('VGG: num_stages must be 1-5 with one dilation per stage and out_indices within them')
        self.stage_blocks = self.arch_settings[depth][:num_stages]
        self.num_classes, self.out_indices, self.frozen_stages = num_classes, out_indices, frozen_stages
        self.bn_eval, self.bn_frozen = bn_eval, bn_frozen
        self.inplanes, self.range_sub_modules, layers, start = 3, [], [], 0
        for i, num_blocks in enumerate(self.stage_blocks):
            planes = 64 * 2**i if i < 4 else 512
            layers += make_vgg_layer(self.inplanes, planes, num_blocks, dilation=dilations[i], with_bn=with_bn,
                                     ceil_mode=ceil_mode)
            end = start + num_blocks * (2 + with_bn) + 1
            self.range_sub_modules.append([start, end])
            self.inplanes, start = planes, end
        if not with_last_pool:
            layers.pop(-1)
            self.range_sub_modules[-1][1] -= 1
        self.module_name = 'features'
        self.add_module(self.module_name, nn.Sequential(*layers))
        if self.num_classes > 0:
            self.classifier = nn.Sequential(nn.Linear(512 * 7 * 7, 4096), nn.ReLU(True), nn.Dropout(),
                                            nn.Linear(4096, 4096), nn.ReLU(True), nn.Dropout(),
                                            nn.Linear(4096, num_classes))

    def init_weights(self, pretrained: str | None = None) -> None:
        """Load ``pretrained``, or Kaiming convs, constant-1 BN and N(0, 0.01) linears."""
        if isinstance(pretrained, str):
            from ..runner import load_checkpoint
            load_checkpoint(self, pretrained, strict=False, logger=logging.getLogger())
        elif pretrained is None:
            for module in self.modules():
                if isinstance(module, nn.Conv2d):
                    kaiming_init(module)
                elif isinstance(module, nn.BatchNorm2d):
                    constant_init(module, 1)
                elif isinstance(module, nn.Linear):
                    normal_init(module, std=0.01)
        else:
            raise TypeError('pretrained must be a str or None')

    def forward(self, x):
        outs, layers = [], getattr(self, self.module_name)
        for i in range(len(self.stage_blocks)):
            for j in range(*self.range_sub_modules[i]):
                x = layers[j](x)
            if i in self.out_indices:
                outs.append(x)
        if self.num_classes > 0:
            outs.append(self.classifier(x.view(x.size(0), -1)))
        return outs[0] if len(outs) == 1 else tuple(outs)

    def train(self, mode: bool = True):
        super().train(mode)
        if self.bn_eval:
            for module in self.modules():
                if isinstance(module, nn.BatchNorm2d):
                    module.eval()
                    if self.bn_frozen:
                        module.requires_grad_(False)
        layers = getattr(self, self.module_name)
        if mode and self.frozen_stages >= 0:
            for i in range(self.frozen_stages):
                for j in range(*self.range_sub_modules[i]):
                    layers[j].eval()
                    layers[j].requires_grad_(False)
        return self
