"""``mmdet.datasets.pipelines.formating``, mmdet's misspelt module path, kept as mmdet 2.x keeps it:
importing it warns and gives the names of ``formatting``."""
import warnings

from .formatting import (Collect, DefaultFormatBundle, ImageToTensor, ToDataContainer, ToTensor, Transpose,
                         WrapFieldsToLists, to_tensor)

warnings.warn('mmlite.datasets.pipelines.formating is deprecated, import from '
              'mmlite.datasets.pipelines.formatting instead', DeprecationWarning)

__all__ = ['Collect', 'DefaultFormatBundle', 'ImageToTensor', 'ToDataContainer', 'ToTensor', 'Transpose',
           'WrapFieldsToLists', 'to_tensor']
