"""``mmdet.models.roi_heads.mask_heads.feature_relay_head``, the mmdet module path: the names it had, re-exported."""
from .scnet_heads import FeatureRelayHead

__all__ = ['FeatureRelayHead']
