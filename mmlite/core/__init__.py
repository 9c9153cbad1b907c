"""Detection core: boxes, anchors, masks and evaluation (mmdet.core names)."""
