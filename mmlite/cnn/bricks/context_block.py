"""``mmcv.cnn.bricks.context_block``, the mmcv module path: the names it had, re-exported."""
from ..context_block import ContextBlock

__all__ = ['ContextBlock']
