# Label assignment distillation the other way round: a PAA ResNet-50 student, a PAA ResNet-101 teacher.
_base_ = './lad_r101_paa_r50_fpn_coco_1x.py'
teacher_ckpt = 'http://download.openmmlab.com/mmdetection/v2.0/paa/paa_r101_fpn_1x_coco/paa_r101_fpn_1x_coco_20200821-0a1825a4.pth'  # noqa
model = dict(
    backbone=dict(depth=50, init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50')),
    teacher_ckpt=teacher_ckpt,
    teacher_backbone=dict(depth=101))
