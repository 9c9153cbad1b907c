# ssd300_coco.py with the Ascend names of its head and assigner
_base_ = './ssd300_coco.py'
model = dict(bbox_head=dict(type='AscendSSDHead'), train_cfg=dict(assigner=dict(type='AscendMaxIoUAssigner')))
