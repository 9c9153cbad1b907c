# Hybrid Task Cascade, ResNet-50 + FPN, 20 epochs (LR steps at 16 and 19)
_base_ = './htc_r50_fpn_1x_coco.py'
lr_config = dict(step=[16, 19])
runner = dict(type='EpochBasedRunner', max_epochs=20)
