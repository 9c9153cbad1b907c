"""Every module path of mmcv-full 1.7.2 and mmdet 2.28.2 (``mmcv.X``/``mmdet.X`` → ``mmlite.X``)
imports and has the public names the legacy module defined, except the modules and names listed
below with the reason. The lists are checked both ways: an entry that starts to work must leave
them, so they always say exactly what is missing.

The golden names (``tests/data/mmcv172_mmdet2282_module_names.json``) were read off the legacy
packages' source files: names defined at module top level or listed in ``__all__``, and the values
of literal numeric/str constants."""
import importlib
import json
import os.path as osp
import warnings

import pytest

GOLDEN = json.load(open(osp.join(osp.dirname(__file__), 'data', 'mmcv172_mmdet2282_module_names.json')))['modules']

# module prefixes mmlite does not provide, and why
NOT_PROVIDED = {
    'mmcv.arraymisc': 'array quantisation helpers of the optical-flow code, which needs OpenCV',
    'mmcv.video': 'video and optical-flow I/O need OpenCV',
    'mmcv.visualization.optflow': 'optical-flow display needs OpenCV',
    'mmcv.device': 'IPU, MLU, NPU and MPS back-ends: mmlite runs on CPU and CUDA',
    'mmcv.onnx': 'ONNX export is not part of mmlite',
    'mmcv.tensorrt': 'TensorRT plugins are compiled code',
    'mmdet.core.export': 'ONNX export is not part of mmlite',
    'mmcv.cnn.rfsearch': 'RF-Next receptive-field search is not implemented',
    'mmdet.utils.rfnext': 'RF-Next receptive-field search is not implemented',
    'mmcv.cnn.alexnet': "mmcv's classification AlexNet is not provided",
    'mmcv.cnn.resnet': "mmcv's own classification ResNet is not provided (mmlite.models.backbones.ResNet is mmdet's)",
    'mmcv.parallel._functions': 'private stream-scatter helpers of mmcv; mmlite scatters with plain tensor copies',
    'mmcv.utils.ext_loader': 'loads compiled extensions; mmlite has none',
    'mmcv.utils.hub': 'a torch < 1.7 fallback with no names on current torch',
    'mmcv.utils.parrots_jit': 'the parrots framework is not supported',
    'mmdet.core.bbox.assigners.ascend_assign_result': 'Ascend NPU support',
    'mmdet.utils.ascend_util': 'Ascend NPU support',
    'mmdet.utils.util_distribution': 'MLU/NPU device factories; build_dp/build_ddp are in mmlite.parallel',
    'mmdet.utils.memory': 'AvoidCUDAOOM is not implemented',
    'mmdet.utils.contextmanagers': 'asyncio inference helpers are not implemented',
    'mmdet.utils.profiling': 'defines names only under an environment flag',
    'mmdet.utils.split_batch': 'semi-supervised batch splitting is not implemented',
    'mmdet.utils.util_mixins': 'NiceRepr (a repr mixin of mmdet internals) is not provided',
    'mmdet.utils.util_random': 'ensure_rng (used by the demo-data helpers) is not provided',
    'mmdet.core.bbox.demodata': 'random demo boxes for doctests are not provided',
    'mmdet.core.hook.memory_profiler_hook': 'MemoryProfilerHook (memory_profiler, psutil) is not implemented',
    'mmdet.core.hook.sync_random_size_hook': 'SyncRandomSizeHook (deprecated by mmdet for YOLOX) is not implemented',
    'mmdet.core.hook.wandblogger_hook': "MMDetWandbHook is not implemented (mmlite.runner's WandbLoggerHook is)",
    'mmdet.core.optimizers.layer_decay_optimizer_constructor': 'the ConvNeXt layer-decay constructor is not '
    'implemented (mmcls ConvNeXt backbones are not provided either)',
    'mmdet.datasets.pipelines.instaboost': 'InstaBoost needs the instaboostfast package (OpenCV)',
    'mmdet.models.backbones.detectors_resnext': 'DetectoRS_ResNeXt is not implemented (DetectoRS_ResNet is)',
    'mmdet.models.dense_heads.dense_test_mixins': 'dense heads carry their own test-time methods',
    # compiled mmcv ops with no pure-PyTorch counterpart in mmlite (3-D, rotated-box, sparse and
    # segmentation ops, or thin wrappers of them)
    **{f'mmcv.ops.{name}': 'compiled op outside 2-D detection; not provided' for name in (
        'active_rotated_filter', 'assign_score_withk', 'ball_query', 'border_align', 'box_iou_quadri',
        'box_iou_rotated', 'cc_attention', 'chamfer_distance', 'contour_expand', 'convex_iou', 'correlation',
        'deprecated_wrappers', 'diff_iou_rotated', 'furthest_point_sample', 'fused_bias_leakyrelu',
        'gather_points', 'group_points', 'info', 'iou3d', 'knn', 'min_area_polygons', 'pixel_group',
        'points_in_boxes', 'points_in_polygons', 'points_sampler', 'prroi_pool', 'psa_mask', 'riroi_align_rotated',
        'roi_align_rotated', 'roiaware_pool3d', 'roipoint_pool3d', 'rotated_feature_align',
        'scatter_points', 'sparse_conv', 'sparse_functional', 'sparse_modules', 'sparse_ops', 'sparse_pool',
        'sparse_structure', 'sync_bn', 'three_interpolate', 'three_nn', 'tin_shift', 'upfirdn2d', 'voxelize')},
}

_OPENCV = 'needs OpenCV (not a dependency)'
_OPS = 'compiled op outside 2-D detection'
_AUTOGRAD = 'autograd.Function / extension handle of the compiled op; mmlite computes it in PyTorch'
# names missing from modules that mmlite provides, and why
MISSING_NAMES = {
    'mmcv.cnn': (['AlexNet', 'ResNet', 'make_res_layer', 'Conv2dRFSearchOp', 'RFSearchHook'],
                 "mmcv's classification networks and RF-Next are not provided"),
    'mmcv.cnn.bricks.activation': (['GELU'], 'a torch < 1.4 fallback; the registry holds torch.nn.GELU'),
    'mmcv.cnn.bricks.context_block': (['last_zero_init'], 'private initialiser of ContextBlock'),
    'mmcv.cnn.bricks.norm': (['infer_abbr'], 'the norm-name helper is private in mmlite'),
    'mmcv.cnn.bricks.wrappers': (['NewEmptyTensorOp', 'obsolete_torch_version'], 'torch < 1.5 empty-tensor helpers'),
    'mmcv.cnn.utils.flops_counter': ([
        'add_batch_counter_hook_function', 'add_batch_counter_variables_or_reset',
        'add_flops_counter_variable_or_reset', 'add_flops_counting_methods', 'batch_counter_hook',
        'compute_average_flops_cost', 'conv_flops_counter_hook', 'deconv_flops_counter_hook',
        'empty_flops_counter_hook', 'get_model_parameters_number', 'get_modules_mapping', 'is_supported_instance',
        'linear_flops_counter_hook', 'norm_flops_counter_hook', 'pool_flops_counter_hook', 'print_model_with_flops',
        'relu_flops_counter_hook', 'remove_batch_counter_hook_function', 'remove_flops_counter_hook_function',
        'reset_flops_count', 'start_flops_count', 'stop_flops_count', 'upsample_flops_counter_hook'],
        'the hook plumbing of mmcv\'s counter; get_model_complexity_info is the public entry'),
    'mmcv.cnn.utils.weight_init': (['trunc_normal_', 'update_init_info'], 'torch.nn.init.trunc_normal_; no '
                                   'per-parameter init log'),
    'mmcv.fileio.file_client': (['CephBackend', 'LmdbBackend', 'MemcachedBackend', 'PetrelBackend'],
                                'cluster storage back-ends'),
    'mmcv.fileio.io': (['FileLikeObject'], 'a typing alias'),
    'mmcv.image': (['supported_backends', 'use_backend'], 'a decoding back-end switch (mmlite decodes with Pillow)'),
    'mmcv.image.geometric': (['cv2_border_modes', 'cv2_interp_codes'], "OpenCV's constant tables; mmlite's warps "
                             'take the mode names'),
    'mmcv.image.io': (['imread_backend', 'imread_flags', 'jpeg', 'supported_backends', 'use_backend'],
                      'one decoding back-end (Pillow); no back-end switch'),
    'mmcv.ops': ([
        'BorderAlign', 'Correlation', 'CrissCrossAttention', 'DynamicScatter', 'FusedBiasLeakyReLU', 'GroupAll',
        'PSAMask', 'PointsSampler', 'PrRoIPool', 'QueryAndGroup', 'RiRoIAlignRotated', 'RoIAlignRotated',
        'RoIAwarePool3d', 'RoIPointPool3d', 'SparseConv2d',
        'SparseConv3d', 'SparseConvTensor', 'SparseConvTranspose2d', 'SparseConvTranspose3d', 'SparseInverseConv2d',
        'SparseInverseConv3d', 'SparseMaxPool2d', 'SparseMaxPool3d', 'SparseModule', 'SparseSequential', 'SubMConv2d',
        'SubMConv3d', 'SyncBatchNorm', 'TINShift', 'Voxelization', 'active_rotated_filter', 'assign_score_withk',
        'ball_query', 'border_align', 'box_iou_quadri', 'box_iou_rotated', 'boxes_iou3d',
        'boxes_iou_bev', 'boxes_overlap_bev', 'chamfer_distance', 'contour_expand', 'convex_giou', 'convex_iou',
        'diff_iou_rotated_2d', 'diff_iou_rotated_3d', 'dynamic_scatter', 'furthest_point_sample',
        'furthest_point_sample_with_dist', 'fused_bias_leakyrelu', 'gather_points', 'get_compiler_version',
        'get_compiling_cuda_version', 'get_onnxruntime_op_path', 'grouping_operation', 'knn', 'min_area_polygons',
        'nms3d', 'nms3d_normal', 'nms_bev', 'nms_normal_bev', 'nms_quadri', 'nms_rotated', 'pixel_group',
        'points_in_boxes_all', 'points_in_boxes_cpu', 'points_in_boxes_part', 'points_in_polygons', 'prroi_pool',
        'riroi_align_rotated', 'roi_align_rotated', 'rotated_feature_align', 'scatter_nd',
        'three_interpolate', 'three_nn', 'tin_shift', 'upfirdn2d',
        'voxelization', 'Conv2d', 'ConvTranspose2d', 'Linear', 'MaxPool2d'], _OPS + ' (and mmcv.ops\' re-exports '
                                                                             'of the cnn wrappers)'),
    'mmcv.ops.focal_loss': (['SigmoidFocalLossFunction', 'SoftmaxFocalLossFunction', 'ext_module'], _AUTOGRAD),
    'mmcv.ops.roi_pool': (['RoIPoolFunction', 'ext_module'], _AUTOGRAD),
    'mmcv.ops.bbox': (['ext_module'], _AUTOGRAD),
    'mmcv.ops.carafe': (['CARAFEFunction', 'CARAFENaiveFunction', 'ext_module'], _AUTOGRAD),
    'mmcv.ops.corner_pool': (['BottomPoolFunction', 'LeftPoolFunction', 'RightPoolFunction', 'TopPoolFunction'],
                             _AUTOGRAD),
    'mmcv.ops.deform_conv': (['DeformConv2dFunction', 'ext_module'], _AUTOGRAD),
    'mmcv.ops.modulated_deform_conv': (['ModulatedDeformConv2dFunction', 'ext_module'], _AUTOGRAD),
    'mmcv.ops.deform_roi_pool': (['DeformRoIPoolFunction', 'ext_module'], _AUTOGRAD),
    'mmcv.ops.masked_conv': (['MaskedConv2dFunction', 'ext_module'], _AUTOGRAD),
    'mmcv.ops.multi_scale_deform_attn': (['MultiScaleDeformableAttnFunction', 'ext_module'], _AUTOGRAD),
    'mmcv.ops.roi_align': (['RoIAlignFunction', 'ext_module'], _AUTOGRAD),
    'mmcv.ops.nms': (['NMSop', 'SoftNMSop', 'array_like_type', 'ext_module', 'nms_quadri', 'nms_rotated'],
                     _AUTOGRAD + '; no rotated/quadrilateral NMS'),
    'mmcv.ops.point_sample': (['bilinear_grid_sample', 'get_shape_from_feature_map',
                               'is_in_onnx_export_without_custom_ops'], 'ONNX-export variants'),
    'mmcv.parallel.scatter_gather': (['ScatterInputs'], 'a typing alias'),
    'mmcv.runner.checkpoint': (['DEFAULT_CACHE_DIR', 'ENV_MMCV_HOME', 'ENV_XDG_CACHE_HOME',
                                'get_deprecated_model_names', 'get_external_models', 'get_mmcls_models',
                                'get_torchvision_models', 'load_from_ceph', 'load_from_mmcls', 'load_from_openmmlab',
                                'load_from_pavi', 'load_from_torchvision'],
                               'the scheme loaders live in CheckpointLoader (mmlite.runner.checkpoint_loader)'),
    'mmcv.runner.fp16_utils': (['patch_forward_method', 'patch_norm_fp32'],
                               "mmcv's manual fp16 casting; mmlite's fp16 is torch.autocast"),
    'mmcv.runner.hooks.lr_updater': (['get_position_from_periods'], 'private helper of the cyclic/restart policies'),
    'mmcv.runner.optimizer.builder': (['register_torch_npu_optimizers'], 'Ascend NPU support'),
    'mmcv.utils.misc': (['check_prerequisites', 'requires_executable'], 'test-prerequisite decorators of mmcv'),
    'mmcv.utils.parrots_wrapper': (['is_cuda_available'], 'torch.cuda.is_available'),
    'mmcv.utils.progressbar': (['init_pool'], 'private pool factory of track_parallel_progress'),
    'mmcv.utils.testing': (['check_python_script'], "mmcv's doc-test runner"),
    'mmcv.version': (['parse_version_info'], 'mmlite has its own version'),
    'mmcv.visualization': (['flow2rgb', 'flowshow', 'make_color_wheel'], _OPENCV),
    'mmcv.visualization.image': (['ColorType'], 'a typing alias'),
    'mmdet': (['mmcv_maximum_version', 'mmcv_minimum_version', 'mmcv_version', 'short_version'],
              'mmlite needs no separate mmcv'),
    'mmdet.version': (['parse_version_info', 'short_version'], 'mmlite has its own version'),
    'mmdet.apis.inference': (['LoadImage'], 'deprecated by mmdet in favour of LoadImageFromWebcam'),
    'mmdet.core.anchor': (['PointGenerator'], 'the single-level point generator; MlvlPointGenerator is provided'),
    'mmdet.core.anchor.point_generator': (['PointGenerator'], 'as above'),
    'mmdet.core.bbox.assigners': (['AscendAssignResult'], 'Ascend NPU support'),
    'mmdet.core.bbox.coder.delta_xywh_bbox_coder': (['onnx_delta2bbox'], 'ONNX export'),
    'mmdet.core.bbox.iou_calculators.iou2d_calculator': (['fp16_clamp'], 'private helper'),
    'mmdet.core.evaluation': (['plot_iou_recall', 'plot_num_recall'], 'recall plots are not provided'),
    'mmdet.core.evaluation.recall': (['plot_iou_recall', 'plot_num_recall'], 'recall plots are not provided'),
    'mmdet.core.evaluation.mean_ap': (['tpfp_imagenet', 'tpfp_openimages'],
                                      'defined in mmlite.core.evaluation.tpfp_extra (an import cycle otherwise)'),
    'mmdet.core.hook': (['MMDetWandbHook', 'MemoryProfilerHook', 'SyncRandomSizeHook'], 'see NOT_PROVIDED'),
    'mmdet.core.mask': (['split_combined_polys'], 'not provided'),
    'mmdet.core.mask.utils': (['split_combined_polys'], 'not provided'),
    'mmdet.core.mask.structures': (['bitmap_to_polygon'], _OPENCV + ' (contour tracing)'),
    'mmdet.core.optimizers': (['LearningRateDecayOptimizerConstructor'], 'see NOT_PROVIDED'),
    'mmdet.core.utils.dist_utils': (['obj2tensor', 'tensor2obj'], 'private pickling helpers of all_reduce_dict'),
    'mmdet.core.visualization': (['color_val_matplotlib'], 'private colour helper'),
    'mmdet.core.visualization.image': (['EPS', 'color_val_matplotlib', 'draw_bboxes', 'draw_labels', 'draw_masks'],
                                       'matplotlib drawing steps of imshow_det_bboxes are private'),
    'mmdet.datasets.objects365': (['objv2_ignore_list'], 'a list of Objects365 file names not shipped'),
    'mmdet.datasets.pipelines': (['Albu', 'InstaBoost'], 'Albumentations/InstaBoost ' + _OPENCV),
    'mmdet.datasets.pipelines.transforms': (['Albu', 'Corrupt'], 'albumentations / imagecorruptions ' + _OPENCV),
    'mmdet.models.backbones': (['DetectoRS_ResNeXt'], 'see NOT_PROVIDED'),
    'mmdet.models.backbones.detectors_resnet': (['ResLayer'], "DetectoRS's stage layer is private in mmlite"),
    'mmdet.models.backbones.trident_resnet': (['make_trident_res_layer'], 'private'),
    'mmdet.models.dense_heads.ddod_head': (['EPS'], 'private constant'),
    'mmdet.models.dense_heads.fovea_head': (['INF'], 'private constant'),
    'mmdet.models.detectors.single_stage_instance_seg': (['INF'], 'private constant'),
    'mmdet.models.roi_heads.mask_heads.fcn_mask_head': (['BYTES_PER_FLOAT', 'GPU_MEM_LIMIT'],
                                                        'mmlite pastes masks without a GPU-memory chunk limit'),
    'mmdet.models.dense_heads.solo_head': (['DecoupledSOLOHead', 'DecoupledSOLOLightHead'],
                                           'defined in mmlite.models.dense_heads.decoupled_solo_head'),
    'mmdet.utils': (['AvoidCUDAOOM', 'AvoidOOM', 'batch_images_to_levels', 'get_max_num_gt_division_factor',
                     'masked_fill', 'rfnext_init_model', 'split_batch', 'get_caller_name', 'log_img_scale',
                     'build_ddp', 'build_dp', 'find_latest_checkpoint'],
                    'see NOT_PROVIDED; mmdet.utils is mmlite.utils, the lowest layer, so build_dp/build_ddp stay in '
                    'mmlite.parallel and find_latest_checkpoint (which validates checkpoints) in mmlite.runner'),
    'mmdet.utils.misc': (['find_latest_checkpoint', 'update_data_root'],
                         'in mmlite.runner (checkpoint validation) and mmlite.utils.setup_env'),
    'mmdet.utils.logger': (['get_caller_name', 'log_img_scale'], 'not provided'),
}


def _ours(legacy: str) -> str:
    return 'mmlite' + legacy[len('mmcv'):] if legacy.startswith('mmcv') else 'mmlite' + legacy[len('mmdet'):]


def _not_provided(legacy: str) -> bool:
    return any(legacy == p or legacy.startswith(p + '.') for p in NOT_PROVIDED)


def _import(name: str):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # deprecated paths warn on import, as they did in mmdet
        return importlib.import_module(name)


PROVIDED = sorted(m for m in GOLDEN if not _not_provided(m))


def test_golden_covers_both_packages():
    assert len(GOLDEN) > 550 and 'mmcv.runner.hooks.lr_updater' in GOLDEN and 'mmdet.core.bbox.assigners' in GOLDEN
    assert len(PROVIDED) > 450


@pytest.mark.parametrize('legacy', PROVIDED)
def test_legacy_module_imports_with_its_names(legacy):
    module = _import(_ours(legacy))
    expected_missing = set(MISSING_NAMES.get(legacy, ((), ''))[0])
    missing = sorted(n for n in GOLDEN[legacy]['names'] if not hasattr(module, n))
    assert sorted(set(missing) - expected_missing) == [], f'{_ours(legacy)} lacks these {legacy} names'
    now_present = sorted(expected_missing - set(missing))
    assert now_present == [], f'{now_present} exist now: remove them from MISSING_NAMES[{legacy!r}]'
    for name, value in GOLDEN[legacy]['constants'].items():
        if hasattr(module, name) and not name.startswith('_'):
            assert getattr(module, name) == value, f'{_ours(legacy)}.{name}'


@pytest.mark.parametrize('legacy', sorted(m for m in GOLDEN if _not_provided(m)))
def test_not_provided_modules_are_really_absent(legacy):
    with pytest.raises(ImportError):
        _import(_ours(legacy))


def test_exception_lists_name_real_legacy_modules():
    for legacy in list(NOT_PROVIDED) + list(MISSING_NAMES):
        assert legacy in GOLDEN, legacy
        reason = NOT_PROVIDED.get(legacy) or MISSING_NAMES[legacy][1]
        assert reason.strip(), legacy


def test_a_legacy_path_gives_the_same_objects():
    from mmlite.cnn import ConvModule
    from mmlite.core.bbox import MaxIoUAssigner, bbox_overlaps
    assert _import('mmlite.cnn.bricks.conv_module').ConvModule is ConvModule
    assert _import('mmlite.core.bbox.assigners.max_iou_assigner').MaxIoUAssigner is MaxIoUAssigner
    assert _import('mmlite.core.bbox.iou_calculators').bbox_overlaps is bbox_overlaps  # the torch one, as mmdet's


def test_mmcv_top_level_file_handlers():
    import mmlite
    from mmlite.fileio import register_handler
    assert mmlite.register_handler is register_handler and 'JsonHandler' in mmlite.__all__


def test_the_misspelt_formating_module_warns_like_mmdet():
    import sys
    sys.modules.pop('mmlite.datasets.pipelines.formating', None)
    with pytest.warns(DeprecationWarning, match='formatting'):
        module = importlib.import_module('mmlite.datasets.pipelines.formating')
    from mmlite.datasets.pipelines import DefaultFormatBundle
    assert module.DefaultFormatBundle is DefaultFormatBundle
