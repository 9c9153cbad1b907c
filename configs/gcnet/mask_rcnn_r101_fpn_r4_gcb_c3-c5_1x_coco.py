# GCNet recipe: Mask R-CNN with a ResNet-101 FPN backbone, a global context block (channel ratio 1/4) after each
# bottleneck of stages 2-4, 1x
_base_ = '../mask_rcnn/mask_rcnn_r101_fpn_1x_coco.py'
model = dict(
    backbone=dict(
        plugins=[
            dict(
                cfg=dict(type='ContextBlock', ratio=1. / 4),
                stages=(False, True, True, True),
                position='after_conv3')
        ]))
