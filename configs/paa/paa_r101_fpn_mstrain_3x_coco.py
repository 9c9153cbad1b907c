# PAA with ResNet-101: paa_r50_fpn_mstrain_3x_coco.py with the deeper backbone.
_base_ = './paa_r50_fpn_mstrain_3x_coco.py'
model = dict(backbone=dict(depth=101, init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet101')))
