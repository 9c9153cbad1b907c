# SSD300 under the names of mmdet's Ascend (NPU) head and assigner: the same model on CPU and CUDA
_base_ = './ssd300.py'
model = dict(bbox_head=dict(type='AscendSSDHead'), train_cfg=dict(assigner=dict(type='AscendMaxIoUAssigner')))
