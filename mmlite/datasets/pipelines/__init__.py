"""Data pipelines with mmdet 2.x names."""
from .augmentations import Expand, MinIoURandomCrop, PhotoMetricDistortion, RandomCrop
from .auto_augment import (AutoAugment, BrightnessTransform, ColorTransform, ContrastTransform, EqualizeTransform,
                           Rotate, Shear, Translate)
from .center_crop_pad import RandomCenterCropPad
from .compose import Compose
from .copy_paste import CopyPaste
from .formatting import (Collect, DefaultFormatBundle, ImageToTensor, ToDataContainer, ToTensor, Transpose,
                         WrapFieldsToLists, to_tensor)
from .instance_filtering import CutOut, FilterAnnotations, RandomShift
from .loading import (LoadAnnotations, LoadImageFromFile, LoadImageFromWebcam, LoadMultiChannelImageFromFiles,
                      LoadPanopticAnnotations, LoadProposals)
from .mix_transforms import MixUp, Mosaic
from .random_affine import RandomAffine, YOLOXHSVRandomAug
from .test_time_aug import MultiScaleFlipAug
from .transforms import Normalize, Pad, RandomFlip, Resize, SegRescale

__all__ = [
    'AutoAugment', 'BrightnessTransform', 'ColorTransform', 'ContrastTransform', 'EqualizeTransform', 'Rotate',
    'Shear', 'Translate', 'Compose', 'Collect', 'DefaultFormatBundle', 'ImageToTensor', 'ToDataContainer', 'ToTensor',
    'Transpose', 'WrapFieldsToLists', 'to_tensor', 'LoadAnnotations', 'LoadPanopticAnnotations',
    'LoadImageFromFile', 'LoadImageFromWebcam', 'LoadMultiChannelImageFromFiles',
    'LoadProposals', 'MultiScaleFlipAug', 'Normalize', 'Pad', 'RandomFlip', 'Resize', 'Expand',
    'MinIoURandomCrop', 'PhotoMetricDistortion', 'RandomCrop', 'CutOut', 'FilterAnnotations', 'RandomShift',
    'SegRescale', 'RandomCenterCropPad', 'Mosaic', 'MixUp', 'RandomAffine', 'YOLOXHSVRandomAug', 'CopyPaste'
]
