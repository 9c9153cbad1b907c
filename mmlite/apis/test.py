"""Detection test loops with mmdet 2.x names (results rescaled, masks RLE-encoded)."""
from ..core.evaluation.det_inference import multi_gpu_test, single_gpu_test
from ..engine import collect_results_cpu, collect_results_gpu

__all__ = ['single_gpu_test', 'multi_gpu_test', 'collect_results_cpu', 'collect_results_gpu']
