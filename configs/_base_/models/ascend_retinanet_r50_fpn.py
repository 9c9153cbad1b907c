# RetinaNet under the names of mmdet's Ascend (NPU) head and assigner: the same model on CPU and CUDA
_base_ = './retinanet_r50_fpn.py'
model = dict(bbox_head=dict(type='AscendRetinaHead'), train_cfg=dict(assigner=dict(type='AscendMaxIoUAssigner')))
