"""``mmdet.datasets.voc``, the mmdet module path: the names it had, re-exported."""
from .xml_style import VOCDataset

__all__ = ['VOCDataset']
