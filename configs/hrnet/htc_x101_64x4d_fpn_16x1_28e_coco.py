# Hybrid Task Cascade, ResNeXt-101 64x4d + FPN, 28 epochs (the HRNet paper's baseline)
_base_ = '../htc/htc_x101_64x4d_fpn_16x1_20e_coco.py'
lr_config = dict(step=[24, 27])
runner = dict(type='EpochBasedRunner', max_epochs=28)
