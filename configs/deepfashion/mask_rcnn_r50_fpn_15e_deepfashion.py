_base_ = [
    '../_base_/models/mask_rcnn_r50_fpn.py', '../_base_/datasets/deepfashion.py',
    '../_base_/schedules/schedule_1x.py', '../_base_/default_runtime.py'
]
model = dict(roi_head=dict(bbox_head=dict(num_classes=15), mask_head=dict(num_classes=15)))
runner = dict(type='EpochBasedRunner', max_epochs=15)
