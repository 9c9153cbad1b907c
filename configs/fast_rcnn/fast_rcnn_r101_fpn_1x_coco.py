_base_ = './fast_rcnn_r50_fpn_1x_coco.py'
# ResNet-101 backbone
model = dict(backbone=dict(depth=101, init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet101')))
