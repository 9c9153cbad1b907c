"""Detection core: anchors, boxes, masks, post-processing, evaluation and hooks (mmdet.core names)."""
from .anchor import *  # noqa: F401,F403
from .bbox import *  # noqa: F401,F403
from .data_structures import *  # noqa: F401,F403
from .evaluation import *  # noqa: F401,F403
from .hook import *  # noqa: F401,F403
from .mask import *  # noqa: F401,F403
from .post_processing import *  # noqa: F401,F403
from .utils import *  # noqa: F401,F403
