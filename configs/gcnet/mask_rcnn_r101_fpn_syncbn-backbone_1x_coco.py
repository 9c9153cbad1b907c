# GCNet recipe: Mask R-CNN with a ResNet-101 FPN backbone, SyncBN in the backbone (trained, not frozen), 1x
_base_ = '../mask_rcnn/mask_rcnn_r101_fpn_1x_coco.py'
model = dict(
    backbone=dict(
        norm_cfg=dict(type='SyncBN', requires_grad=True),
        norm_eval=False))
