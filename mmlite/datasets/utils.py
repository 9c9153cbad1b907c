"""Dataset helpers: ``replace_ImageToTensor``, ``get_loading_pipeline`` and ``NumClassCheckHook``."""
from __future__ import annotations

import copy
import warnings

from ..runner import HOOKS, Hook


def replace_ImageToTensor(pipelines: list) -> list:  # noqa: N802 - mmdet's name
    """Replace ``ImageToTensor`` by ``DefaultFormatBundle`` (also inside MultiScaleFlipAug), so
    test batches of several images can be padded and stacked. The input is not modified."""
    pipelines = copy.deepcopy(pipelines)
    for i, step in enumerate(pipelines):
        if step['type'] == 'MultiScaleFlipAug':
            step['transforms'] = replace_ImageToTensor(step['transforms'])
        elif step['type'] == 'ImageToTensor':
            warnings.warn('"ImageToTensor" pipeline is replaced by "DefaultFormatBundle" for batch '
                          'inference. It is recommended to manually replace it in the test data '
                          'pipeline in your config file.', UserWarning)
            pipelines[i] = {'type': 'DefaultFormatBundle'}
    return pipelines


def get_loading_pipeline(pipeline: list) -> list:
    """Only the loading steps (LoadImageFromFile, LoadAnnotations...) of a pipeline config."""
    loading = [step for step in pipeline if step['type'].startswith('Load')]
    if len(loading) != 2:
        raise ValueError('The data pipeline in your config file must include loading image and '
                         'annotations related pipeline.')
    return loading


@HOOKS.register_module()
class NumClassCheckHook(Hook):
    """Before training and validation, check that every head's ``num_classes`` matches the
    dataset's CLASSES. Skipped: RPN heads (class-agnostic) and modules whose ``num_class_check`` is False
    (their classes are not the dataset's, e.g. HTC's semantic head over stuff+thing maps). With a panoptic
    dataset the instance heads must predict its thing classes, the panoptic fusion head all of them."""

    def _check_head(self, runner) -> None:
        model = runner.model.module if hasattr(runner.model, 'module') else runner.model
        dataset = runner.data_loader.dataset
        classes = getattr(dataset, 'CLASSES', None)
        if classes is None:
            runner.logger.warning(f'Please set `CLASSES` in the {type(dataset).__name__} and check if it is '
                                  'consistent with the `num_classes` of head')
            return
        if isinstance(classes, str):
            raise TypeError(f'`CLASSES` in {type(dataset).__name__} should be a tuple of str, got the string '
                            f'{classes!r}; add a comma for a single class: classes=({classes!r}, )')
        things = getattr(dataset, 'num_things', None)  # panoptic: instance heads predict the thing classes
        for name, module in model.named_modules():
            num_classes = getattr(module, 'num_classes', None)
            if (num_classes is None or name.endswith('rpn_head') or not name
                    or not getattr(module, 'num_class_check', True)):
                continue
            if things is not None and not name.startswith('panoptic_fusion_head'):
                expected, what = things, f'{things} thing classes {tuple(classes[:things])}'
            else:
                expected, what = len(classes), f'{len(classes)} classes {tuple(classes)}'
            if num_classes != expected:
                raise ValueError(f'model.{name}.num_classes={num_classes} but {type(dataset).__name__} has {what}; '
                                 f'set num_classes={expected} in the model config (e.g. --cfg-options '
                                 f'model.{name}.num_classes={expected})')

    def before_train_epoch(self, runner) -> None:
        self._check_head(runner)

    def before_val_epoch(self, runner) -> None:
        self._check_head(runner)
