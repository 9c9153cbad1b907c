"""``mmdet.core.bbox.coder.bucketing_bbox_coder``, the mmdet module path: the names it had, re-exported."""
from ..bucketing_coder import BucketingBBoxCoder, bbox2bucket, bucket2bbox, generat_buckets

__all__ = ['BucketingBBoxCoder', 'bbox2bucket', 'bucket2bbox', 'generat_buckets']
