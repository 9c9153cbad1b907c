"""Detection data: datasets, pipelines, samplers and loaders with mmdet 2.x names."""
from ..utils.ext_check import check_torchvision_ops

check_torchvision_ops()

from .builder import build_dataloader, build_dataset, worker_init_fn  # noqa: E402
from .cityscapes import CityscapesDataset  # noqa: E402
from .coco import CocoDataset  # noqa: E402
from .coco_occluded import OccludedSeparatedCocoDataset  # noqa: E402
from .coco_panoptic import CocoPanopticDataset  # noqa: E402
from .custom import CustomDataset  # noqa: E402
from .dataset_wrappers import ClassBalancedDataset, ConcatDataset, RepeatDataset  # noqa: E402
from .deepfashion import DeepFashionDataset  # noqa: E402
from .lvis import LVISDataset, LVISV1Dataset, LVISV05Dataset  # noqa: E402
from .multi_image_mix import MultiImageMixDataset  # noqa: E402
from .objects365 import Objects365V1Dataset, Objects365V2Dataset  # noqa: E402
from .openimages import OpenImagesChallengeDataset, OpenImagesDataset  # noqa: E402
from .pipelines import Compose  # noqa: E402
from .registry import DATASETS, PIPELINES  # noqa: E402
from .samplers import (DistributedGroupSampler, DistributedSampler, GroupSampler, InfiniteBatchSampler,  # noqa: E402
                       InfiniteGroupBatchSampler)
from .toy_coco import TOY_CLASSES, ToyCocoDataset, make_toy_coco  # noqa: E402
from .toy_panoptic import ToyCocoPanopticDataset, make_toy_panoptic  # noqa: E402
from .utils import NumClassCheckHook, get_loading_pipeline, replace_ImageToTensor  # noqa: E402
from .wider_face import WIDERFaceDataset  # noqa: E402
from .xml_style import VOCDataset, XMLDataset  # noqa: E402

__all__ = [
    'DATASETS', 'PIPELINES', 'build_dataset', 'build_dataloader', 'worker_init_fn', 'CustomDataset',
    'CocoDataset', 'XMLDataset', 'VOCDataset', 'ConcatDataset', 'RepeatDataset', 'ClassBalancedDataset',
    'replace_ImageToTensor', 'get_loading_pipeline', 'GroupSampler', 'DistributedGroupSampler',
    'DistributedSampler', 'InfiniteBatchSampler', 'InfiniteGroupBatchSampler', 'Compose',
    'ToyCocoDataset', 'make_toy_coco', 'TOY_CLASSES', 'NumClassCheckHook', 'MultiImageMixDataset', 'CityscapesDataset',
    'Objects365V1Dataset', 'Objects365V2Dataset', 'WIDERFaceDataset', 'DeepFashionDataset', 'LVISDataset',
    'LVISV05Dataset', 'LVISV1Dataset', 'CocoPanopticDataset',
    'ToyCocoPanopticDataset', 'make_toy_panoptic', 'OpenImagesDataset', 'OpenImagesChallengeDataset',
    'OccludedSeparatedCocoDataset'
]
