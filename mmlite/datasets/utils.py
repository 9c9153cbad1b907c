"""Pipeline config helpers: ``replace_ImageToTensor`` and ``get_loading_pipeline``."""
from __future__ import annotations

import copy
import warnings


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
