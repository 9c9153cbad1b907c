# TOOD multi-scale 2x on ResNet-101
_base_ = './tood_r50_fpn_mstrain_2x_coco.py'
model = dict(
    backbone=dict(
        depth=101,
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet101')))
