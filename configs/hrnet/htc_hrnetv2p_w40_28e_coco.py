# Hybrid Task Cascade with HRNetV2p-W40 and HRFPN, 28 epochs (LR steps at 24 and 27)
_base_ = './htc_hrnetv2p_w40_20e_coco.py'
lr_config = dict(step=[24, 27])
runner = dict(type='EpochBasedRunner', max_epochs=28)
