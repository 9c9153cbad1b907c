# Faster R-CNN with a Res2Net-101 (26w x 4s) backbone. Offline, pass the ImageNet weights as a local file:
#   --cfg-options model.backbone.init_cfg.checkpoint=/path/to/res2net101_v1d_26w_4s.pth
_base_ = '../faster_rcnn/faster_rcnn_r50_fpn_2x_coco.py'
model = dict(
    backbone=dict(
        type='Res2Net',
        depth=101,
        scales=4,
        base_width=26,
        init_cfg=dict(type='Pretrained', checkpoint='open-mmlab://res2net101_v1d_26w_4s')))
