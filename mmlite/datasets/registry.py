"""``DATASETS`` and ``PIPELINES`` registries (mmdet names)."""
from ..utils import Registry

DATASETS = Registry('dataset')
PIPELINES = Registry('pipeline')
