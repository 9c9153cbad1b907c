"""Backbones with mmdet names."""
from .csp_darknet import CSPDarknet
from .darknet import Darknet
from .detectors_resnet import DetectoRS_ResNet
from .efficientnet import EfficientNet
from .hourglass import HourglassNet
from .hrnet import HRNet
from .mobilenet_v2 import MobileNetV2
from .pvt import PyramidVisionTransformer, PyramidVisionTransformerV2
from .regnet import RegNet
from .res2net import Res2Net
from .resnest import ResNeSt
from .resnet import BasicBlock, Bottleneck, ResLayer, ResNet, ResNetV1d
from .resnext import ResNeXt
from .ssd_vgg import SSDVGG
from .swin import SwinTransformer
from .trident_resnet import TridentResNet

__all__ = [
    'TridentResNet', 'DetectoRS_ResNet', 'CSPDarknet', 'ResNet', 'ResNetV1d', 'ResNeXt', 'ResLayer', 'BasicBlock',
    'Bottleneck', 'RegNet', 'Darknet', 'SSDVGG', 'MobileNetV2', 'Res2Net', 'SwinTransformer', 'HRNet',
    'PyramidVisionTransformer', 'PyramidVisionTransformerV2', 'ResNeSt', 'HourglassNet', 'EfficientNet'
]
