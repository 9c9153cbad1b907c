"""``mmcv.cnn.bricks.upsample``, the mmcv module path: the names it had, re-exported."""
from ..layer_builders import build_upsample_layer
from ..layers import PixelShufflePack

__all__ = ['PixelShufflePack', 'build_upsample_layer']
