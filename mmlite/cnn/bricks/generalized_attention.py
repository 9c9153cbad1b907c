"""``mmcv.cnn.bricks.generalized_attention``, the mmcv module path: the names it had, re-exported."""
from ..generalized_attention import GeneralizedAttention

__all__ = ['GeneralizedAttention']
