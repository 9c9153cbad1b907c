# YOLACT with a ResNet-101
_base_ = './yolact_r50_1x8_coco.py'
model = dict(backbone=dict(depth=101, init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet101')))
