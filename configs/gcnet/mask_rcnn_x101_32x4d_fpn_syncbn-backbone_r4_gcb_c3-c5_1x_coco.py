# GCNet recipe: Mask R-CNN with a ResNeXt-101 32x4d FPN backbone, SyncBN in the backbone (trained, not frozen), a
# global context block (channel ratio 1/4) after each bottleneck of stages 2-4, 1x
_base_ = '../mask_rcnn/mask_rcnn_x101_32x4d_fpn_1x_coco.py'
model = dict(
    backbone=dict(
        norm_cfg=dict(type='SyncBN', requires_grad=True),
        norm_eval=False,
        plugins=[
            dict(
                cfg=dict(type='ContextBlock', ratio=1. / 4),
                stages=(False, True, True, True),
                position='after_conv3')
        ]))
