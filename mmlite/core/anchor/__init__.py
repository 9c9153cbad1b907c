"""Anchors (mmdet.core.anchor names)."""
from .anchor_generator import (ANCHOR_GENERATORS, PRIOR_GENERATORS, AnchorGenerator, LegacyAnchorGenerator,
                               LegacySSDAnchorGenerator, SSDAnchorGenerator, YOLOAnchorGenerator,
                               build_anchor_generator, build_prior_generator)
from .point_generator import MlvlPointGenerator
from .utils import anchor_inside_flags, calc_region, images_to_levels

__all__ = ['ANCHOR_GENERATORS', 'PRIOR_GENERATORS', 'AnchorGenerator', 'build_anchor_generator',
           'build_prior_generator', 'anchor_inside_flags', 'images_to_levels', 'MlvlPointGenerator',
           'YOLOAnchorGenerator', 'SSDAnchorGenerator', 'LegacyAnchorGenerator', 'LegacySSDAnchorGenerator',
           'calc_region']
