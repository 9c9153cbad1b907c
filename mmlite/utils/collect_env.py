"""``mmdet.utils.collect_env``, the mmdet module path: the names it had, re-exported."""
from .env import collect_env

__all__ = ['collect_env']
