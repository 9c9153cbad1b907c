"""Shrink the shipped R50-FPN configs to a few thousand parameters for fast CPU tests."""
from __future__ import annotations

import json
import os.path as osp

import numpy as np
import torch

from mmlite.core.mask import BitmapMasks
from mmlite.utils import Config

CONFIGS = osp.join(osp.dirname(__file__), '..', '..', 'configs')
SHIPPED = {
    'faster_rcnn': 'faster_rcnn/faster_rcnn_r50_fpn_1x_coco.py',
    'retinanet': 'retinanet/retinanet_r50_fpn_1x_coco.py',
    'mask_rcnn': 'mask_rcnn/mask_rcnn_r50_fpn_1x_coco.py',
    'rpn': 'rpn/rpn_r50_fpn_1x_coco.py',
}
DENSE = {
    'atss': 'atss/atss_r50_fpn_1x_coco.py',
    'fcos': 'fcos/fcos_r50_caffe_fpn_gn-head_1x_coco.py',
    'autoassign': 'autoassign/autoassign_r50_fpn_8x2_1x_coco.py',
    'ddod': 'ddod/ddod_r50_fpn_1x_coco.py',
    'gfl': 'gfl/gfl_r50_fpn_1x_coco.py',
    'retinanet_ghm': 'ghm/retinanet_ghm_r50_fpn_1x_coco.py',
    'fcos_improved': 'fcos/fcos_center-normbbox-centeronreg-giou_r50_caffe_fpn_gn-head_1x_coco.py',
    'vfnet': 'vfnet/vfnet_r50_fpn_1x_coco.py',
    'fovea': 'foveabox/fovea_r50_fpn_4x4_1x_coco.py',
    'fovea_align': 'foveabox/fovea_align_r50_fpn_gn-head_4x4_2x_coco.py',
    'reppoints': 'reppoints/reppoints_moment_r50_fpn_1x_coco.py',
    'reppoints_partial_minmax': 'reppoints/reppoints_partial_minmax_r50_fpn_gn-neck+head_1x_coco.py',
    'reppoints_grid': 'reppoints/bbox_r50_grid_fpn_gn-neck+head_1x_coco.py',
    'reppoints_grid_center': 'reppoints/bbox_r50_grid_center_fpn_gn-neck+head_1x_coco.py',
    'tood': 'tood/tood_r50_fpn_1x_coco.py',
    'tood_anchor_based': 'tood/tood_r50_fpn_anchor_based_1x_coco.py',
    'ga_retinanet': 'guided_anchoring/ga_retinanet_r50_fpn_1x_coco.py',
    'free_anchor': 'free_anchor/retinanet_free_anchor_r50_fpn_1x_coco.py',
    'sabl_retinanet': 'sabl/sabl_retinanet_r50_fpn_1x_coco.py',
    'sabl_retinanet_gn': 'sabl/sabl_retinanet_r50_fpn_gn_1x_coco.py',
    'yolof': 'yolof/yolof_r50_c5_8x8_1x_coco.py',
    'nasfpn': 'nas_fpn/retinanet_r50_nasfpn_crop640_50e_coco.py',
    'sepbn_fpn': 'nas_fpn/retinanet_r50_fpn_crop640_50e_coco.py',
    'nasfcos': 'nas_fcos/nas_fcos_nashead_r50_caffe_fpn_gn-head_4x4_1x_coco.py',
    'nasfcos_fcoshead': 'nas_fcos/nas_fcos_fcoshead_r50_caffe_fpn_gn-head_4x4_1x_coco.py',
    'paa': 'paa/paa_r50_fpn_1x_coco.py',
    'fsaf': 'fsaf/fsaf_r50_fpn_1x_coco.py',
    'centernet': 'centernet/centernet_resnet18_dcnv2_140e_coco.py',
    'atss_dyhead': 'dyhead/atss_r50_fpn_dyhead_1x_coco.py',
    'atss_dyhead_caffe': 'dyhead/atss_r50_caffe_fpn_dyhead_1x_coco.py',
    'ld': 'ld/ld_r18_gflv1_r101_fpn_coco_1x.py',
    'lad': 'lad/lad_r50_paa_r101_fpn_coco_1x.py',
    'yolox': 'yolox/yolox_s_8x8_300e_coco.py',
    'yolox_nano': 'yolox/yolox_nano_8x8_300e_coco.py',
    'detectors_cascade': 'detectors/detectors_cascade_rcnn_r50_1x_coco.py',
}
SOLO = {
    'solo': 'solo/solo_r50_fpn_1x_coco.py',
    'decoupled_solo': 'solo/decoupled_solo_r50_fpn_1x_coco.py',
    'decoupled_solo_light': 'solo/decoupled_solo_light_r50_fpn_3x_coco.py',
    'solov2': 'solov2/solov2_r50_fpn_1x_coco.py',
    'solov2_light_dcn': 'solov2/solov2_light_r50_dcn_fpn_3x_coco.py',
}
LEGACY_V1 = {
    'faster_rcnn_v1': 'legacy_1.x/faster_rcnn_r50_fpn_1x_coco_v1.py',
    'mask_rcnn_v1': 'legacy_1.x/mask_rcnn_r50_fpn_1x_coco_v1.py',
    'retinanet_v1': 'legacy_1.x/retinanet_r50_fpn_1x_coco_v1.py',
}
CASCADE = {
    'cascade_rcnn': 'cascade_rcnn/cascade_rcnn_r50_fpn_1x_coco.py',
    'cascade_mask_rcnn': 'cascade_rcnn/cascade_mask_rcnn_r50_fpn_1x_coco.py',
}
MS_RCNN = {'ms_rcnn': 'ms_rcnn/ms_rcnn_r50_fpn_1x_coco.py',
           'point_rend': 'point_rend/point_rend_r50_caffe_fpn_mstrain_1x_coco.py'}
GUIDED_ANCHORING = {
    'ga_rpn': 'guided_anchoring/ga_rpn_r50_fpn_1x_coco.py',
    'ga_faster': 'guided_anchoring/ga_faster_r50_fpn_1x_coco.py',
}
GRID = {'grid_rcnn': 'grid_rcnn/grid_rcnn_r50_fpn_gn-head_1x_coco.py',
        'sabl_faster': 'sabl/sabl_faster_rcnn_r50_fpn_1x_coco.py',
        'sabl_cascade': 'sabl/sabl_cascade_rcnn_r50_fpn_1x_coco.py',
        'double_head': 'double_heads/dh_faster_rcnn_r50_fpn_1x_coco.py',
        'dynamic_rcnn': 'dynamic_rcnn/dynamic_rcnn_r50_fpn_1x_coco.py'}
PISA = {'pisa_faster': 'pisa/pisa_faster_rcnn_r50_fpn_1x_coco.py',
        'pisa_mask': 'pisa/pisa_mask_rcnn_r50_fpn_1x_coco.py',
        'pisa_retinanet': 'pisa/pisa_retinanet_r50_fpn_1x_coco.py'}
SCNET = {'scnet': 'scnet/scnet_r50_fpn_1x_coco.py', 'sparse_rcnn': 'sparse_rcnn/sparse_rcnn_r50_fpn_1x_coco.py',
         'queryinst': 'queryinst/queryinst_r50_fpn_1x_coco.py'}
CORNERNET = {'cornernet': 'cornernet/cornernet_hourglass104_mstest_10x5_210e_coco.py',
             'centripetalnet': 'centripetalnet/centripetalnet_hourglass104_mstest_16x6_210e_coco.py'}
SEESAW = {
    'seesaw_mask_rcnn': 'seesaw_loss/mask_rcnn_r50_fpn_random_seesaw_loss_normed_mask_mstrain_2x_lvis_v1.py',
    'seesaw_cascade': 'seesaw_loss/cascade_mask_rcnn_r101_fpn_random_seesaw_loss_normed_mask_mstrain_2x_lvis_v1.py',
}
HTC = {
    'htc': 'htc/htc_r50_fpn_1x_coco.py',
    'htc_without_semantic': 'htc/htc_without_semantic_r50_fpn_1x_coco.py',
}
YOLACT = {'yolact': 'yolact/yolact_r50_1x8_coco.py'}
DPOOL = {'dpool': 'dcn/faster_rcnn_r50_fpn_dpool_1x_coco.py', 'mdpool': 'dcnv2/faster_rcnn_r50_fpn_mdpool_1x_coco.py'}
CASCADE_RPN = {'crpn': 'cascade_rpn/crpn_r50_caffe_fpn_1x_coco.py',
               'crpn_faster': 'cascade_rpn/crpn_faster_rcnn_r50_caffe_fpn_1x_coco.py'}
DETR = {'detr': 'detr/detr_r50_8x2_150e_coco.py',
        'deformable_detr': 'deformable_detr/deformable_detr_r50_16x2_50e_coco.py',
        'deformable_detr_refine': 'deformable_detr/deformable_detr_refine_r50_16x2_50e_coco.py',
        'deformable_detr_twostage': 'deformable_detr/deformable_detr_twostage_refine_r50_16x2_50e_coco.py'}
PANOPTIC = {'panoptic_fpn': 'panoptic_fpn/panoptic_fpn_r50_fpn_1x_coco.py',
            'maskformer': 'maskformer/maskformer_r50_mstrain_16x1_75e_coco.py',
            'mask2former': 'mask2former/mask2former_r50_lsj_8x2_50e_coco-panoptic.py'}
SEMANTIC_CLASSES = 5
NUM_CLASSES = 3
WIDTH = 16


def shipped_cfg(name: str) -> Config:
    """The shipped config with the backbone's pretrained init switched off (no download)."""
    paths = {**SHIPPED, **CASCADE, **DENSE, **SOLO, **LEGACY_V1, **MS_RCNN, **HTC, **GUIDED_ANCHORING, **GRID, **PISA,
             **SEESAW, **SCNET, **CORNERNET, **DETR, **YOLACT, **CASCADE_RPN, **DPOOL, **PANOPTIC}
    cfg = Config.fromfile(osp.join(CONFIGS, paths[name]))
    cfg.model.backbone.init_cfg = None
    return cfg


def tiny_model_cfg(name: str) -> dict:
    """The shipped model config with ResNet-18 at 1/8 width, narrow heads and 3 classes."""
    model = shipped_cfg(name).model
    _shrink(model)
    if 'teacher_backbone' in model:  # LAD: the teacher given by parts, shrunk alike, its weights given by the test
        teacher = type(model)(backbone=model.teacher_backbone, neck=model.teacher_neck,
                              bbox_head=model.teacher_bbox_head)
        _shrink(teacher)
        model.update(teacher_backbone=teacher.backbone, teacher_neck=teacher.neck, teacher_bbox_head=teacher.bbox_head,
                     teacher_ckpt=None)
    if 'teacher_config' in model:  # distillation: the shrunk GFL as teacher, its weights given by the test
        model.teacher_config, model.teacher_ckpt = dict(model=tiny_model_cfg('gfl')), None
    return model.to_dict()


def tiny_detr_cfg(name: str) -> dict:
    """A DETR-family config with ResNet-18 at 1/8 width, 16-wide transformers of 2+2 layers (2 heads, no dropout:
    training outputs are deterministic), 10 queries and 3 classes."""
    model = shipped_cfg(name).model
    model.backbone.update(depth=18, base_channels=8)
    head = model.bbox_head
    head.update(num_classes=NUM_CLASSES, in_channels=64, num_query=10)
    model.test_cfg.max_per_img = 10
    if 'neck' in model:  # Deformable DETR: C3-C5 and one extra level, 16 wide; as many two-stage queries
        model.neck.update(in_channels=[16, 32, 64], out_channels=WIDTH, norm_cfg=dict(type='GN', num_groups=4))
        head.transformer.two_stage_num_proposals = 10
    head.positional_encoding.num_feats = WIDTH // 2
    for part in ('encoder', 'decoder'):
        coder = head.transformer[part]
        coder.num_layers = 2
        layer = coder.transformerlayers
        # (mmcv's default ffn_cfgs is 256 wide: narrower attentions need their own)
        layer.update(feedforward_channels=32, ffn_dropout=0.0, ffn_cfgs=dict(type='FFN', embed_dims=WIDTH))
        for attn in layer.attn_cfgs if isinstance(layer.attn_cfgs, list) else [layer.attn_cfgs]:
            attn.update(embed_dims=WIDTH, num_heads=2, dropout=0.0)
    return model.to_dict()


def tiny_maskformer_cfg() -> dict:
    """MaskFormer with ResNet-18 at 1/8 width, a 16-wide pixel decoder (one encoder layer) and transformer
    decoder (2 layers, 2 heads, no dropout), 10 queries, 3 thing and 2 stuff classes."""
    model = _shrunk_query_model('maskformer')
    head = model.panoptic_head
    for coder, layers in ((head.pixel_decoder.encoder, 1), (head.transformer_decoder, 2)):
        coder.num_layers = layers
        layer = coder.transformerlayers
        layer.attn_cfgs.update(embed_dims=WIDTH, num_heads=2, attn_drop=0.0, proj_drop=0.0)
        layer.ffn_cfgs.update(embed_dims=WIDTH, feedforward_channels=32, ffn_drop=0.0)
        if 'feedforward_channels' in layer:  # the decoder layer's (unused) argument
            layer.feedforward_channels = 32
    return model.to_dict()


def tiny_mask2former_cfg() -> dict:
    """Mask2Former with ResNet-18 at 1/8 width, a 16-wide deformable pixel decoder (one encoder layer, 2 points)
    and 3-layer transformer decoder (2 heads), 10 queries, 64 training points, 3 thing and 2 stuff classes."""
    model = _shrunk_query_model('mask2former')
    head = model.panoptic_head
    encoder = head.pixel_decoder.encoder
    encoder.num_layers = 1
    encoder.transformerlayers.attn_cfgs.update(embed_dims=WIDTH, num_heads=2, num_points=2)
    encoder.transformerlayers.ffn_cfgs.update(embed_dims=WIDTH, feedforward_channels=32)
    decoder = head.transformer_decoder
    decoder.num_layers = 3
    decoder.transformerlayers.attn_cfgs.update(embed_dims=WIDTH, num_heads=2)
    decoder.transformerlayers.ffn_cfgs.update(embed_dims=WIDTH, feedforward_channels=32)
    decoder.transformerlayers.feedforward_channels = 32
    model.train_cfg.num_points = 64
    return model.to_dict()


def _shrunk_query_model(name: str):
    """The shipped MaskFormer-family model with ResNet-18 at 1/8 width, 16-wide heads, 10 queries, 3 thing and
    2 stuff classes (the transformers are shrunk by the caller)."""
    model = shipped_cfg(name).model
    model.backbone.update(depth=18, base_channels=8)
    head = model.panoptic_head
    stuff = SEMANTIC_CLASSES - NUM_CLASSES
    head.update(in_channels=[8, 16, 32, 64], feat_channels=WIDTH, out_channels=WIDTH, num_things_classes=NUM_CLASSES,
                num_stuff_classes=stuff, num_queries=10)
    head.loss_cls.class_weight = [1.0] * SEMANTIC_CLASSES + [0.1]
    head.pixel_decoder.norm_cfg = dict(type='GN', num_groups=4)
    head.pixel_decoder.positional_encoding.num_feats = head.positional_encoding.num_feats = WIDTH // 2
    model.panoptic_fusion_head.update(num_things_classes=NUM_CLASSES, num_stuff_classes=stuff)
    return model


def _shrink(model) -> None:
    if model.backbone.type == 'CSPDarknet':  # YOLOX: width x1/8 of the L model (stages of 16 to 128 channels)
        model.backbone.widen_factor = 0.125
        model.neck.update(in_channels=[32, 64, 128], out_channels=WIDTH)
        model.bbox_head.update(in_channels=WIDTH, feat_channels=WIDTH, num_classes=NUM_CLASSES)
        return
    if model.backbone.type == 'HourglassNet':  # two stacks of 2-halving hourglasses, 8 to 16 channels
        model.backbone.update(downsample_times=2, stage_channels=[8, 8, 16], stage_blocks=[1, 1, 1], feat_channel=WIDTH)
        model.bbox_head.update(in_channels=WIDTH, num_classes=NUM_CLASSES)
        return
    if model.get('type') in ('SOLO', 'SOLOv2'):
        _shrink_solo(model)
        return
    detectors = model.backbone.type == 'DetectoRS_ResNet'  # bottlenecks only: R-50 at 1/16 width
    model.backbone.update(**(dict(base_channels=4) if detectors else dict(depth=18, base_channels=8)))
    if isinstance(model.neck, list):  # FPN then DyHead blocks (which replace the head's towers)
        model.neck[0].update(in_channels=[8, 16, 32, 64], out_channels=WIDTH)
        # 32 channels: GN(16) in the blocks needs two values per group on the 1x1 top level
        model.neck[1].update(in_channels=WIDTH, out_channels=2 * WIDTH, num_blocks=2)
        model.bbox_head.update(in_channels=2 * WIDTH, feat_channels=2 * WIDTH, num_classes=NUM_CLASSES)
        return
    if model.neck.type == 'CTResNetNeck':
        model.neck.update(in_channel=64, num_deconv_filters=(WIDTH, WIDTH, WIDTH))
        model.bbox_head.update(in_channel=WIDTH, feat_channel=WIDTH, num_classes=NUM_CLASSES)
        model.test_cfg.topk = 20
        return
    if model.neck.type == 'DilatedEncoder':
        model.neck.update(in_channels=64, out_channels=WIDTH, block_mid_channels=8)
    else:
        model.neck.update(in_channels=[16, 32, 64, 128] if detectors else [8, 16, 32, 64], out_channels=WIDTH)
    if model.neck.type == 'RFP':  # the feedback: 4 ASPP branches of WIDTH / 4 channels into the backbone copy
        model.neck.rfp_backbone.update(base_channels=4, rfp_inplanes=WIDTH, pretrained=None)
        model.neck.aspp_out_channels = WIDTH // 4
    if model.neck.get('norm_cfg', {}).get('type') == 'GN':
        model.neck.norm_cfg = dict(type='GN', num_groups=4, requires_grad=True)
    for head in ('rpn_head', 'bbox_head'):
        if head in model:
            model[head].update(in_channels=WIDTH, feat_channels=WIDTH)
    if model.get('rpn_head', {}).get('type') == 'CascadeRPNHead':  # its stages are the heads
        for key in ('in_channels', 'feat_channels'):
            model.rpn_head.pop(key)
        for stage in model.rpn_head.stages:
            stage.update(in_channels=WIDTH, feat_channels=WIDTH)
    if 'bbox_head' in model:
        # TOOD's layer attention weighs its interactive convs: two of them; DDOD's first conv is a DCN
        two_convs = model.bbox_head.type in ('TOODHead', 'DDODHead')
        model.bbox_head.update(num_classes=NUM_CLASSES, stacked_convs=2 if two_convs else 1)
        if model.bbox_head.type in ('YOLOFHead', 'YOLACTHead'):  # YOLOF: num_cls/reg_convs; YOLACT: num_head_convs
            model.bbox_head.pop('stacked_convs')
        if model.bbox_head.type == 'YOLACTHead':  # 8 prototypes from a 16-wide protonet (one upsampling)
            model.bbox_head.num_protos = 8
            model.mask_head.update(in_channels=WIDTH, num_protos=8, num_classes=NUM_CLASSES,
                                   proto_channels=(WIDTH, None, WIDTH, 8), proto_kernel_sizes=(3, -2, 3, 1))
            model.segm_head.update(in_channels=WIDTH, num_classes=NUM_CLASSES)
        if model.bbox_head.type == 'RepPointsHead':
            model.bbox_head.point_feat_channels = WIDTH
        gn_heads = ('FCOSHead', 'AutoAssignHead', 'DDODHead', 'ATSSHead', 'PAAHead', 'LADHead', 'GFLHead', 'LDHead',
                    'VFNetHead', 'TOODHead')
        if model.bbox_head.type in gn_heads or model.bbox_head.get('with_deform') or model.bbox_head.get('norm_cfg'):
            model.bbox_head.norm_cfg = dict(type='GN', num_groups=4, requires_grad=True)
    if 'roi_head' in model:
        roi = model.roi_head
        roi.bbox_roi_extractor.out_channels = WIDTH
        if 'output_channels' in roi.bbox_roi_extractor.roi_layer:  # deformable RoI pooling: 32-wide offset fcs
            roi.bbox_roi_extractor.roi_layer.update(output_channels=WIDTH, deform_fc_channels=32)
        for bbox_head in roi.bbox_head if isinstance(roi.bbox_head, list) else [roi.bbox_head]:
            if bbox_head.type == 'DoubleConvFCBBoxHead':
                bbox_head.update(in_channels=WIDTH, conv_out_channels=32, fc_out_channels=32, num_classes=NUM_CLASSES,
                                 num_convs=1)
            elif bbox_head.type == 'DIIHead':  # 20 proposals of WIDTH channels (set below), 4 heads
                bbox_head.update(in_channels=WIDTH, feedforward_channels=32, num_heads=4, num_classes=NUM_CLASSES)
                bbox_head.dynamic_conv_cfg.update(in_channels=WIDTH, feat_channels=8, out_channels=WIDTH)
                roi.proposal_feature_channel = WIDTH
                model.rpn_head.update(num_proposals=20, proposal_feature_channel=WIDTH)
                model.rpn_head.pop('in_channels', None)
                model.rpn_head.pop('feat_channels', None)
            elif bbox_head.type == 'SABLHead':
                bbox_head.update(cls_in_channels=WIDTH, reg_in_channels=WIDTH, reg_offset_out_channels=WIDTH,
                                 reg_cls_out_channels=WIDTH, cls_out_channels=32, num_classes=NUM_CLASSES)
            else:
                bbox_head.update(in_channels=WIDTH, fc_out_channels=32, num_classes=NUM_CLASSES)
            if bbox_head.get('loss_cls', {}).get('type') == 'SeesawLoss':
                bbox_head.loss_cls.num_classes = NUM_CLASSES
        if 'mask_head' in roi:
            roi.mask_roi_extractor.out_channels = WIDTH
            for mask_head in roi.mask_head if isinstance(roi.mask_head, list) else [roi.mask_head]:
                mask_head.update(in_channels=WIDTH, conv_out_channels=WIDTH, num_classes=NUM_CLASSES, num_convs=2)
                if mask_head.type == 'CoarseMaskHead':
                    mask_head.fc_out_channels = 32
                if mask_head.type == 'DynamicMaskHead':
                    mask_head.dynamic_conv_cfg.update(in_channels=WIDTH, feat_channels=8, out_channels=WIDTH)
        if 'point_head' in roi:
            roi.point_head.update(in_channels=WIDTH, fc_channels=WIDTH, num_classes=NUM_CLASSES)
        if 'semantic_head' in roi:
            roi.semantic_roi_extractor.out_channels = WIDTH
            roi.semantic_head.update(in_channels=WIDTH, conv_out_channels=WIDTH, num_classes=SEMANTIC_CLASSES,
                                     num_convs=2 if roi.semantic_head.type == 'SCNetSemanticHead' else 1)
        if 'glbctx_head' in roi:  # SCNet: one residual block each; the relay maps the 32-wide box feature
            roi.glbctx_head.update(in_channels=WIDTH, conv_out_channels=WIDTH, num_classes=NUM_CLASSES, num_convs=2)
            roi.feat_relay_head.update(in_channels=32, out_conv_channels=WIDTH)
        if 'grid_head' in roi:
            roi.grid_roi_extractor.out_channels = WIDTH
            roi.grid_head.update(in_channels=WIDTH, point_feat_channels=8, num_convs=2)
        if 'mask_iou_head' in roi:
            roi.mask_iou_head.update(in_channels=WIDTH, conv_out_channels=WIDTH, fc_out_channels=32,
                                     num_classes=NUM_CLASSES, num_convs=2)
    if 'semantic_head' in model:  # Panoptic FPN: an 8-wide semantic branch; 3 thing and 2 stuff classes
        stuff = SEMANTIC_CLASSES - NUM_CLASSES
        model.semantic_head.update(in_channels=WIDTH, inner_channels=8, num_things_classes=NUM_CLASSES,
                                   num_stuff_classes=stuff, norm_cfg=dict(type='GN', num_groups=4, requires_grad=True))
        model.panoptic_fusion_head.update(num_things_classes=NUM_CLASSES, num_stuff_classes=stuff)


def _shrink_solo(model) -> None:
    """SOLO/SOLOv2: ResNet-18 at 1/8 width (no backbone DCN: basic blocks), two 16-channel convs per tower."""
    model.backbone.pop('dcn', None)
    model.backbone.pop('stage_with_dcn', None)
    model.backbone.update(depth=18, base_channels=8)
    model.neck.update(in_channels=[8, 16, 32, 64], out_channels=WIDTH)
    gn = dict(type='GN', num_groups=4, requires_grad=True)
    model.mask_head.update(in_channels=WIDTH, feat_channels=WIDTH, stacked_convs=2, num_classes=NUM_CLASSES,
                           norm_cfg=gn)
    if 'mask_feature_head' in model.mask_head:
        model.mask_head.mask_feature_head.update(feat_channels=8, out_channels=WIDTH, norm_cfg=gn)


def toy_batch(num_imgs: int = 2, height: int = 96, width: int = 128, with_mask: bool = False, seed: int = 0):
    """Random images, metas, boxes, labels (and bitmap masks) shaped like a collated mmdet batch."""
    gen = torch.Generator().manual_seed(seed)
    img = torch.randn(num_imgs, 3, height, width, generator=gen)
    metas = [dict(img_shape=(height, width, 3), pad_shape=(height, width, 3), ori_shape=(height, width, 3),
                  scale_factor=np.array([1., 1., 1., 1.], dtype=np.float32), flip=False, flip_direction=None,
                  filename=f'img{i}.jpg') for i in range(num_imgs)]
    gt_bboxes, gt_labels, gt_masks = [], [], []
    for i in range(num_imgs):
        n = i + 1
        xy = torch.rand(n, 2, generator=gen) * torch.tensor([width * 0.6, height * 0.6])
        wh = 16 + torch.rand(n, 2, generator=gen) * 24
        boxes = torch.cat([xy, (xy + wh).clamp(max=torch.tensor([width - 1., height - 1.]))], dim=1)
        gt_bboxes.append(boxes)
        gt_labels.append(torch.randint(0, NUM_CLASSES, (n, ), generator=gen))
        masks = np.zeros((n, height, width), dtype=np.uint8)
        for k, (x1, y1, x2, y2) in enumerate(boxes.round().int().tolist()):
            masks[k, y1:y2, x1:x2] = 1
        gt_masks.append(BitmapMasks(masks, height, width))
    batch = dict(img=img, img_metas=metas, gt_bboxes=gt_bboxes, gt_labels=gt_labels)
    if with_mask:
        batch['gt_masks'] = gt_masks
    return batch


def merged_config(path: str, keys=('model', 'optimizer', 'optimizer_config', 'lr_config', 'runner', 'data'),
                  with_fp16: bool = False) -> dict:
    """The config's merged top-level ``keys`` (those it has), JSON-normalised as the mmdet recordings are."""
    cfg = Config.fromfile(path)
    mine = {k: cfg[k] for k in keys if k in cfg}
    if with_fp16:
        mine['fp16'] = cfg.get('fp16')
    return json.loads(json.dumps(mine, default=lambda value: value.to_dict()))


RECORDED_KEYS = ('model', 'optimizer', 'optimizer_config', 'lr_config', 'runner', 'data', 'total_epochs')


def assert_config_and_layout(path: str, recorded: dict) -> None:
    """The config's merged ``RECORDED_KEYS`` and its full-size state-dict layout equal mmdet's ``recorded`` ones
    (``{'config': ..., 'layout': ...}``)."""
    assert merged_config(path, RECORDED_KEYS) == recorded['config']
    assert full_size_layout(path) == recorded['layout']


def load_weights(model, *weights: dict):
    """``model`` with the union of ``weights`` (later dicts win) loaded strictly, cast to its dtypes (the goldens
    store float16); only BN's ``num_batches_tracked`` counters may be absent from them."""
    merged = {k: v for w in weights for k, v in w.items()}
    own = model.state_dict()
    missing = [k for k in own if k not in merged and not k.endswith('num_batches_tracked')]
    assert not missing, f'golden weights lack {missing[:5]}'
    model.load_state_dict({k: merged[k].to(own[k].dtype) if k in merged else own[k] for k in own}, strict=True)
    return model


def full_size_layout(path: str) -> list:
    """``[name, shape]`` of every state-dict entry of the config's model, built without pretrained weights."""
    from mmlite.models import build_detector
    cfg = Config.fromfile(path)
    cfg.model.backbone.init_cfg = None
    if cfg.model.get('roi_head', {}).get('shared_head', {}).get('init_cfg'):
        cfg.model.roi_head.shared_head.init_cfg = None
    if 'teacher_ckpt' in cfg.model:  # distillation: no teacher download
        cfg.model.teacher_ckpt = None
    return [[k, list(v.shape)] for k, v in build_detector(cfg.model).state_dict().items()]
