# GCNet recipe: Cascade Mask R-CNN with a ResNeXt-101 32x4d FPN backbone, SyncBN in the backbone (trained, not
# frozen), deformable convs in stages 2-4, 1x
_base_ = '../dcn/cascade_mask_rcnn_x101_32x4d_fpn_dconv_c3-c5_1x_coco.py'
model = dict(
    backbone=dict(
        norm_cfg=dict(type='SyncBN', requires_grad=True),
        norm_eval=False))
