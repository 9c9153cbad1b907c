"""``mmdet.models.utils.brick_wrappers``, the mmdet module path: mmdet wrapped adaptive average
pooling for empty batches on torch < 1.9; on the torch versions mmlite supports, PyTorch's own
layer and function handle them, so the names are PyTorch's."""
from torch.nn import AdaptiveAvgPool2d
from torch.nn.functional import adaptive_avg_pool2d

__all__ = ['AdaptiveAvgPool2d', 'adaptive_avg_pool2d']
