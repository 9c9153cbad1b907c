"""``mmcv.utils.version_utils``, the mmcv module path: the names it had, re-exported."""
from .misc import digit_version
from .parrots_wrapper import get_git_hash

__all__ = ['digit_version', 'get_git_hash']
