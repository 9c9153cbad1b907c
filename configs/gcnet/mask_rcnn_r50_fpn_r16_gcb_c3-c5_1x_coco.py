# GCNet recipe: Mask R-CNN with a ResNet-50 FPN backbone, a global context block (channel ratio 1/16) after each
# bottleneck of stages 2-4, 1x
_base_ = '../mask_rcnn/mask_rcnn_r50_fpn_1x_coco.py'
model = dict(
    backbone=dict(
        plugins=[
            dict(
                cfg=dict(type='ContextBlock', ratio=1. / 16),
                stages=(False, True, True, True),
                position='after_conv3')
        ]))
