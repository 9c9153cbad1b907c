"""``MODULE_WRAPPERS``: the classes that wrap a model (``model.module``) such as DataParallel."""
from torch.nn.parallel import DataParallel, DistributedDataParallel

from ..utils import Registry

MODULE_WRAPPERS = Registry('module wrapper')
MODULE_WRAPPERS.register_module(module=DataParallel)
MODULE_WRAPPERS.register_module(module=DistributedDataParallel)
