# SOLOv2 with a ResNet-101 backbone, 3x schedule.
_base_ = 'solov2_r50_fpn_3x_coco.py'

model = dict(
    backbone=dict(
        depth=101, init_cfg=dict(checkpoint='torchvision://resnet101')))
