"""Validation of ``model.train_cfg`` / ``model.test_cfg``: every key is honoured or rejected by path.

mmdet reads these dicts with ``cfg.get``/attribute access, so a misspelt key was silently ignored.
Here an unknown key is an error naming its path; mmdet's older spellings (``nms_thr``, ``max_num``,
``nms_post``, ``nms_across_levels=False``) are translated once, with one warning.
"""
from __future__ import annotations

import copy
import warnings

from ...utils import ConfigDict
from ...utils.errors import ReadableKeyError

_ASSIGN = frozenset({'assigner', 'sampler', 'pos_weight', 'debug'})
DENSE_TRAIN = _ASSIGN | {'allowed_border'}
RCNN_TRAIN = _ASSIGN | {'mask_size', 'soft_mask_target'}
PROPOSAL = frozenset({'nms_pre', 'max_per_img', 'nms', 'min_bbox_size'})
DENSE_TEST = frozenset({'nms_pre', 'min_bbox_size', 'score_thr', 'nms', 'max_per_img'})
RCNN_TEST = frozenset({'score_thr', 'nms', 'max_per_img', 'mask_thr_binary'})
_LEGACY_NMS_KEYS = ('nms_thr', 'max_num', 'nms_post', 'nms_across_levels')


def _translate_legacy(cfg: ConfigDict, path: str, honoured: frozenset = frozenset()) -> None:
    """Rewrite mmdet's older NMS keys in place (those a head honours itself, e.g. GA-RPN's ``nms_post``,
    stay)."""
    found = [k for k in _LEGACY_NMS_KEYS if k in cfg and k not in honoured]
    if not found:
        return
    if cfg.get('nms_across_levels', False):
        raise ValueError(f'{path}.nms_across_levels=True is not supported (mmdet 2.x ignores it too); '
                         'remove the key')
    warnings.warn(f'{path}: legacy key(s) {found} translated: nms_thr -> nms=dict(type="nms", '
                  'iou_threshold=...), max_num/nms_post -> max_per_img, nms_across_levels ignored; '
                  'please update the config', UserWarning)
    if 'nms_thr' in found:
        nms_thr = cfg.pop('nms_thr')
        if 'nms' in cfg and cfg.nms.get('iou_threshold') != nms_thr:
            raise ValueError(f'{path}: nms_thr={nms_thr} disagrees with nms.iou_threshold={cfg.nms.iou_threshold}')
        cfg.setdefault('nms', ConfigDict(type='nms', iou_threshold=nms_thr))
    for old in ('max_num', 'nms_post'):
        if old in found:
            value = cfg.pop(old)
            if cfg.setdefault('max_per_img', value) != value:
                raise ValueError(f'{path}: {old}={value} disagrees with max_per_img={cfg.max_per_img}')
    cfg.pop('nms_across_levels', None)


def _head_class(head_cfg: dict | None):
    from ..builder import HEADS
    head_type = (head_cfg or {}).get('type')
    return HEADS.get(head_type) if isinstance(head_type, str) else head_type


def declared_cfg_keys(head_cfg: dict | None, which: str) -> frozenset:
    """The ``train_cfg``/``test_cfg`` keys (``which``: 'train' or 'test') that the head class of ``head_cfg``
    adds to the standard ones (its ``extra_train_cfg_keys``/``extra_test_cfg_keys``)."""
    return frozenset(getattr(_head_class(head_cfg), f'extra_{which}_cfg_keys', ()))


def required_train_cfg_keys(head_cfg: dict | None, default: tuple) -> tuple:
    """The ``train_cfg`` keys the head class of ``head_cfg`` needs (its ``required_train_cfg_keys``, else
    ``default``)."""
    return tuple(getattr(_head_class(head_cfg), 'required_train_cfg_keys', default))


def required_test_cfg_keys(head_cfg: dict | None, default: tuple) -> tuple:
    """The ``test_cfg`` keys the head class of ``head_cfg`` needs (its ``required_test_cfg_keys``, else
    ``default``)."""
    return tuple(getattr(_head_class(head_cfg), 'required_test_cfg_keys', default))


def check_dense_test_cfg(test_cfg, head_cfg: dict | None) -> ConfigDict | None:
    """A single-stage detector's validated ``test_cfg``: the dense-head keys plus those the head declares, or
    exactly the head's own ``test_cfg_keys`` when it defines them (with its ``required_test_cfg_keys``)."""
    head = _head_class(head_cfg)
    allowed = getattr(head, 'test_cfg_keys', None) or DENSE_TEST | declared_cfg_keys(head_cfg, 'test')
    required = getattr(head, 'required_test_cfg_keys', ('score_thr', 'nms', 'max_per_img'))
    return check_cfg(test_cfg, frozenset(allowed), 'model.test_cfg', tuple(required))


def check_dense_train_cfg(train_cfg, head_cfg: dict | None) -> ConfigDict | None:
    """A single-stage detector's validated ``train_cfg``: the dense-head keys (plus those the head declares),
    or, for a head with ``train_cfg_sections`` (RepPoints' ``init``/``refine``), one such dict per section."""
    sections = getattr(_head_class(head_cfg), 'train_cfg_sections', ())
    if not sections:
        return check_cfg(train_cfg, DENSE_TRAIN | declared_cfg_keys(head_cfg, 'train'), 'model.train_cfg',
                         required_train_cfg_keys(head_cfg, ('assigner', )))
    checked = check_sections(train_cfg, {name: (DENSE_TRAIN, ('assigner', )) for name in sections}, 'model.train_cfg')
    missing = [name for name in sections if checked is not None and name not in checked]
    if missing:
        raise ReadableKeyError(f'model.train_cfg is missing {missing}: {head_cfg["type"]} needs one dict per stage '
                               f'({", ".join(sections)}), as in mmdet 2.x\'s configs')
    return checked


def check_cfg(cfg, allowed: frozenset, path: str, required: tuple = ()) -> ConfigDict | None:
    """A validated ConfigDict copy of ``cfg`` (None stays None).

    Raises:
        KeyError: an unknown or missing key, naming ``path.key`` and the accepted keys.
    """
    if cfg is None:
        return None
    if not isinstance(cfg, dict):
        raise TypeError(f'{path} must be a dict, got {type(cfg).__name__}')
    cfg = ConfigDict(copy.deepcopy(dict(cfg)))
    if allowed & {'nms'}:
        _translate_legacy(cfg, path, allowed)
    unknown = sorted(set(cfg) - allowed)
    if unknown:
        raise ReadableKeyError(f'{", ".join(f"{path}.{k}" for k in unknown)}: unknown key(s); mmlite honours '
                               f'{sorted(allowed)}. Remove or rename them.')
    missing = [k for k in required if k not in cfg]
    if missing:
        raise ReadableKeyError(f'{path} is missing {missing} (an mmdet 2.x config sets them, e.g. '
                               f'configs/_base_/models/faster_rcnn_r50_fpn.py)')
    return cfg


def rpn_sections(rpn_head: dict | None, proposal_required: tuple) -> tuple[dict, dict]:
    """The ``rpn``/``rpn_proposal`` train sections and the ``rpn`` test section of ``model.train_cfg`` /
    ``model.test_cfg``, with the keys the RPN head class declares (e.g. guided anchoring's)."""
    train_keys, test_keys = declared_cfg_keys(rpn_head, 'train'), declared_cfg_keys(rpn_head, 'test')
    train = {'rpn': (DENSE_TRAIN | train_keys, ('assigner', )),
             'rpn_proposal': (PROPOSAL | test_keys, proposal_required)}
    return train, {'rpn': (PROPOSAL | test_keys, proposal_required)}


def rpn_per_stage(rpn_head: dict | None) -> tuple:
    """``('rpn', )`` when the RPN head takes one ``train_cfg.rpn`` per stage (Cascade RPN), else ``()``."""
    return ('rpn', ) if getattr(_head_class(rpn_head), 'per_stage_train_cfg', False) else ()


def check_sections(cfg, sections: dict, path: str, per_stage: tuple = ()) -> ConfigDict | None:
    """Validate a two-level cfg such as ``train_cfg=dict(rpn=..., rpn_proposal=..., rcnn=...)``.

    Args:
        sections: ``name -> (allowed keys, required keys)``.
        per_stage: Sections that may also be a list of such dicts, one per cascade stage.
    """
    if cfg is None:
        return None
    if not isinstance(cfg, dict):
        raise TypeError(f'{path} must be a dict, got {type(cfg).__name__}')
    unknown = sorted(set(cfg) - set(sections))
    if unknown:
        raise ReadableKeyError(f'{", ".join(f"{path}.{k}" for k in unknown)}: unknown section(s); expected '
                               f'{sorted(sections)}')
    checked = ConfigDict()
    for name, value in cfg.items():
        allowed, required = sections[name]
        if name in per_stage and isinstance(value, (list, tuple)):
            checked[name] = [check_cfg(stage, allowed, f'{path}.{name}[{i}]', required)
                             for i, stage in enumerate(value)]
        else:
            checked[name] = check_cfg(value, allowed, f'{path}.{name}', required)
    return checked
