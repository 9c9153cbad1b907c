# Mask R-CNN, 2x schedule, with a Res2Net-101 (26w x 4s) backbone
_base_ = '../mask_rcnn/mask_rcnn_r50_fpn_2x_coco.py'
model = dict(
    backbone=dict(
        type='Res2Net',
        depth=101,
        scales=4,
        base_width=26,
        init_cfg=dict(
            type='Pretrained',
            checkpoint='open-mmlab://res2net101_v1d_26w_4s')))
