"""``Compose``: run pipeline steps in order; a step returning None drops the sample."""
from __future__ import annotations

from typing import Any, Callable, Sequence

from ...utils import build_from_cfg
from ...utils.errors import ReadableKeyError
from ...utils.registry import _rewrap_exception
from ..registry import PIPELINES


@PIPELINES.register_module()
class Compose:
    """Compose transforms given as config dicts (built from ``PIPELINES``) or callables.

    A failing step re-raises the same exception type with the step and the image named.
    """

    def __init__(self, transforms: Sequence[dict | Callable]):
        if not isinstance(transforms, Sequence) or isinstance(transforms, str):
            raise TypeError(f'pipeline must be a list of transforms, got {type(transforms).__name__}')
        self.transforms = []
        for i, transform in enumerate(transforms):
            if isinstance(transform, dict):
                if 'type' in transform and isinstance(transform['type'], str) \
                        and PIPELINES.get(transform['type']) is None:
                    raise ReadableKeyError(PIPELINES.missing_message(transform['type'], f'pipeline[{i}].type'))
                transform = build_from_cfg(transform, PIPELINES)
            elif not callable(transform):
                raise TypeError(f'pipeline[{i}] must be callable or a dict, got {type(transform).__name__}')
            self.transforms.append(transform)

    def __call__(self, data: dict) -> Any:
        for transform in self.transforms:
            try:
                data = transform(data)
            except Exception as exc:
                if getattr(exc, '_mmlite_pipeline_context', False):
                    raise
                where = data.get('filename') or (data.get('img_info') or {}).get('filename', '?') \
                    if isinstance(data, dict) else '?'
                new = _rewrap_exception(exc, f'{type(transform).__name__} failed on {where}')
                if new is None:
                    raise
                new._mmlite_pipeline_context = True
                raise new from exc
            if data is None:
                return None
        return data

    def __repr__(self) -> str:
        body = ''.join(f'\n    {t}' for t in self.transforms)
        return f'{self.__class__.__name__}({body}\n)'
