# FoveaBox, ResNet-50 + FPN, 2x schedule
_base_ = './fovea_r50_fpn_4x4_1x_coco.py'
lr_config = dict(step=[16, 22])
runner = dict(type='EpochBasedRunner', max_epochs=24)
