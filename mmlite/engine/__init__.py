"""Testing helpers shared by the runner's eval hooks and the tools (mmcv.engine names)."""
from .test import (collect_results, collect_results_cpu, collect_results_gpu, multi_gpu_test, run_inference,
                   single_gpu_test)

__all__ = ['collect_results', 'collect_results_cpu', 'collect_results_gpu', 'multi_gpu_test', 'run_inference',
           'single_gpu_test']
