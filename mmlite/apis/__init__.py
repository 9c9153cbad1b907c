"""High-level APIs with mmdet 2.x names: train, test and inference."""
from ..runner import set_random_seed
from ..utils import get_root_logger
from .inference import async_inference_detector, inference_detector, init_detector, show_result_pyplot
from .test import multi_gpu_test, single_gpu_test
from .train import auto_scale_lr, init_random_seed, train_detector

__all__ = ['train_detector', 'init_random_seed', 'set_random_seed', 'auto_scale_lr', 'single_gpu_test',
           'multi_gpu_test', 'init_detector', 'inference_detector', 'async_inference_detector', 'show_result_pyplot',
           'get_root_logger']
