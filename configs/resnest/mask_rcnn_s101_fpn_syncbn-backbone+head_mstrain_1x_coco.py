# The ResNeSt-101 version of the s50 config below: deeper backbone, 128-channel stem.
_base_ = './mask_rcnn_s50_fpn_syncbn-backbone+head_mstrain_1x_coco.py'
model = dict(
    backbone=dict(
        stem_channels=128,
        depth=101,
        init_cfg=dict(type='Pretrained', checkpoint='open-mmlab://resnest101')))
