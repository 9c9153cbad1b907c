# YOLOX-Nano: YOLOX-Tiny's recipe at width x0.25 with depthwise-separable convolutions throughout.
_base_ = './yolox_tiny_8x8_300e_coco.py'

model = dict(
    backbone=dict(deepen_factor=0.33, widen_factor=0.25, use_depthwise=True),
    neck=dict(in_channels=[64, 128, 256], out_channels=64, num_csp_blocks=1, use_depthwise=True),
    bbox_head=dict(in_channels=64, feat_channels=64, use_depthwise=True))
