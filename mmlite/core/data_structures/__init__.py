"""Result containers (mmdet.core.data_structures names)."""
from .general_data import GeneralData
from .instance_data import InstanceData

__all__ = ['GeneralData', 'InstanceData']
