"""``mmcv.cnn.bricks.plugin``, the mmcv module path: the names it had, re-exported."""
from ..plugin import build_plugin_layer, infer_abbr

__all__ = ['build_plugin_layer', 'infer_abbr']
