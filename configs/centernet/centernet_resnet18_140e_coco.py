# CenterNet, ResNet-18, with plain 3x3 convs in the upsampling neck instead of DCNv2.
_base_ = './centernet_resnet18_dcnv2_140e_coco.py'
model = dict(neck=dict(use_dcn=False))
