# YOLOF by iterations: 22500 iterations at 8x8 images (about 12.3 COCO epochs), LR steps at 15000 and 20000
_base_ = './yolof_r50_c5_8x8_1x_coco.py'
lr_config = dict(step=[15000, 20000])
runner = dict(_delete_=True, type='IterBasedRunner', max_iters=22500)
checkpoint_config = dict(interval=2500)
evaluation = dict(interval=4500)
log_config = dict(interval=20)
