"""``mmcv.utils.device_type``, the mmcv module path: which accelerators this process can use."""
from .parrots_wrapper import IS_IPU_AVAILABLE, IS_MLU_AVAILABLE, IS_MPS_AVAILABLE, IS_NPU_AVAILABLE


def is_ipu_available() -> bool:
    """Graphcore IPUs: never (mmlite has no IPU support)."""
    return IS_IPU_AVAILABLE


def is_mlu_available() -> bool:
    """Cambricon MLUs: never (mmlite has no MLU support)."""
    return IS_MLU_AVAILABLE


def is_npu_available() -> bool:
    """Ascend NPUs: never (mmlite has no NPU support)."""
    return IS_NPU_AVAILABLE


def is_mps_available() -> bool:
    """Apple's Metal (MPS) backend of PyTorch."""
    return IS_MPS_AVAILABLE


__all__ = ['IS_IPU_AVAILABLE', 'IS_MLU_AVAILABLE', 'IS_MPS_AVAILABLE', 'IS_NPU_AVAILABLE', 'is_ipu_available',
           'is_mlu_available', 'is_mps_available', 'is_npu_available']
