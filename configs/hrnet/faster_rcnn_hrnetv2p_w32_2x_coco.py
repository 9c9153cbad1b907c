_base_ = './faster_rcnn_hrnetv2p_w32_1x_coco.py'
# 2x schedule
lr_config = dict(step=[16, 22])
runner = dict(type='EpochBasedRunner', max_epochs=24)
