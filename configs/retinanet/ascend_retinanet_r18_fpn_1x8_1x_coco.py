_base_ = [
    '../_base_/models/ascend_retinanet_r50_fpn.py', '../_base_/datasets/coco_detection.py',
    '../_base_/schedules/schedule_1x.py', '../_base_/default_runtime.py'
]
data = dict(samples_per_gpu=8)
model = dict(
    backbone=dict(depth=18, init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet18')),
    neck=dict(in_channels=[64, 128, 256, 512]))
# optimizer (with lr=0.0025 mmdet measured 32.4 mAP)
optimizer = dict(type='SGD', lr=0.005, momentum=0.9, weight_decay=0.0001)
# base_batch_size = (1 GPU) x (8 samples per GPU), for auto_scale_lr
auto_scale_lr = dict(base_batch_size=8)
