"""``Config`` and ``ConfigDict``: mmcv 1.x configuration files (.py/.json/.yaml) with ``_base_``."""
from __future__ import annotations

import copy
import os
import os.path as osp
import tempfile
from argparse import ArgumentParser
from collections.abc import Iterable
from typing import Any

from addict import Dict

from . import _config_loader as loader
from ._config_format import format_python, render_config
from ._config_loader import BASE_KEY, DELETE_KEY, DEPRECATION_KEY, RESERVED_KEYS  # noqa: F401
from .dict_action import DictAction
from .errors import ReadableKeyError
from .fileio import dump as _dump_file
from .misc import import_modules_from_strings

__all__ = ['Config', 'ConfigDict', 'DictAction', 'add_args']


class ConfigDict(Dict):
    """An ``addict.Dict`` whose missing keys raise instead of silently creating empty dicts."""

    def __missing__(self, name):
        raise ReadableKeyError(name)

    def __getattr__(self, name: str) -> Any:
        try:
            return super().__getattr__(name)
        except KeyError:
            raise AttributeError(f"'{self.__class__.__name__}' object has no attribute '{name}'") from None


def add_args(parser: ArgumentParser, cfg: dict, prefix: str = '') -> ArgumentParser:
    """Add one ``--key`` argument per (nested) config entry to ``parser``."""
    for key, value in cfg.items():
        name = f'--{prefix}{key}'
        if isinstance(value, bool):
            parser.add_argument(name, action='store_true')
        elif isinstance(value, (str, int, float)):
            parser.add_argument(name, type=type(value))
        elif isinstance(value, dict):
            add_args(parser, value, prefix + key + '.')
        elif isinstance(value, Iterable) and len(value) > 0:
            parser.add_argument(name, type=type(next(iter(value))), nargs='+')
    return parser


class Config:
    """A configuration loaded from a file or a dict, with attribute and item access.

    Args:
        cfg_dict: The configuration. Defaults to an empty dict.
        cfg_text: The source text (shown by ``text``). Read from ``filename`` when None.
        filename: The file it came from. Defaults to None.

    Example:
        >>> cfg = Config.fromfile('configs/faster_rcnn/faster_rcnn_r50_fpn_1x_coco.py')
        >>> cfg.model.backbone.depth
        50
    """

    @staticmethod
    def fromfile(filename: str, use_predefined_variables: bool = True,
                 import_custom_modules: bool = True) -> Config:
        """Load a ``.py``, ``.json``, ``.yaml`` or ``.yml`` config and its ``_base_`` chain.

        Args:
            filename: The config file.
            use_predefined_variables: Substitute ``{{ fileDirname }}`` and friends. Defaults to True.
            import_custom_modules: Import the modules named in ``custom_imports``. Defaults to True.
        """
        if isinstance(filename, os.PathLike):
            filename = os.fspath(filename)
        cfg_dict, cfg_text = loader.file2dict(filename, use_predefined_variables)
        if import_custom_modules and cfg_dict.get('custom_imports'):
            custom = cfg_dict['custom_imports']
            if not isinstance(custom, dict) or 'imports' not in custom:
                raise TypeError(f'{filename}: custom_imports must be dict(imports=[...], '
                                f'allow_failed_imports=False), got {custom!r}')
            import_modules_from_strings(**custom)
        return Config(cfg_dict, cfg_text=cfg_text, filename=filename)

    @staticmethod
    def fromstring(cfg_str: str, file_format: str) -> Config:
        """Load a config from its text; ``file_format`` is ``'.py'``, ``'.json'``, ``'.yaml'``..."""
        if file_format not in loader.SUPPORTED_EXTS:
            raise OSError(f'file_format must be one of {loader.SUPPORTED_EXTS}, got {file_format!r}')
        with tempfile.TemporaryDirectory() as tmp_dir:
            path = osp.join(tmp_dir, 'config' + file_format)
            with open(path, 'w', encoding='utf-8') as f:
                f.write(cfg_str)
            cfg = Config.fromfile(path)
        return Config(cfg._cfg_dict.to_dict(), cfg_text=cfg_str)

    @staticmethod
    def auto_argparser(description: str | None = None) -> tuple[ArgumentParser, Config]:
        """An ArgumentParser with one option per key of the config file named on the command line."""
        partial = ArgumentParser(description=description)
        partial.add_argument('config', help='the config file')
        cfg = Config.fromfile(partial.parse_known_args()[0].config)
        parser = ArgumentParser(description=description)
        parser.add_argument('config', help='the config file')
        add_args(parser, cfg)
        return parser, cfg

    def __init__(self, cfg_dict: dict | None = None, cfg_text: str | None = None,
                 filename: str | None = None):
        if cfg_dict is None:
            cfg_dict = dict()
        elif not isinstance(cfg_dict, dict):
            raise TypeError(f'cfg_dict must be a dict, but got {type(cfg_dict)}')
        loader.check_reserved_keys(cfg_dict)
        if isinstance(filename, os.PathLike):
            filename = os.fspath(filename)
        super().__setattr__('_cfg_dict', ConfigDict(cfg_dict))
        super().__setattr__('_filename', filename)
        if cfg_text is None:
            cfg_text = ''
            if filename is not None and osp.isfile(filename):
                with open(filename, encoding='utf-8') as f:
                    cfg_text = f.read()
        super().__setattr__('_text', cfg_text)

    @property
    def filename(self) -> str | None:
        """The file the config was loaded from."""
        return self._filename

    @property
    def text(self) -> str:
        """The source text of the config (and of its bases)."""
        return self._text

    @property
    def pretty_text(self) -> str:
        """The resolved config as formatted Python source that loads back to an equal config."""
        return format_python(render_config(self._cfg_dict.to_dict()))

    def __repr__(self) -> str:
        return f'Config (path: {self.filename}): {self._cfg_dict.__repr__()}'

    def __len__(self) -> int:
        return len(self._cfg_dict)

    def __getattr__(self, name: str) -> Any:
        if name in ('_cfg_dict', '_filename', '_text'):  # not yet set (e.g. while unpickling)
            raise AttributeError(name)
        return getattr(self._cfg_dict, name)

    def __getitem__(self, name: str) -> Any:
        return self._cfg_dict.__getitem__(name)

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, dict):
            value = ConfigDict(value)
        self._cfg_dict.__setattr__(name, value)

    def __setitem__(self, name: str, value: Any) -> None:
        if isinstance(value, dict):
            value = ConfigDict(value)
        self._cfg_dict.__setitem__(name, value)

    def __iter__(self):
        return iter(self._cfg_dict)

    def __contains__(self, name: str) -> bool:
        return name in self._cfg_dict

    def __getstate__(self) -> tuple:
        return (self._cfg_dict, self._filename, self._text)

    def __setstate__(self, state: tuple) -> None:
        cfg_dict, filename, text = state
        super().__setattr__('_cfg_dict', cfg_dict)
        super().__setattr__('_filename', filename)
        super().__setattr__('_text', text)

    def __copy__(self) -> Config:
        other = self.__class__.__new__(self.__class__)
        other.__setstate__((self._cfg_dict, self._filename, self._text))
        return other

    def __deepcopy__(self, memo: dict) -> Config:
        other = self.__class__.__new__(self.__class__)
        memo[id(self)] = other
        other.__setstate__(copy.deepcopy((self._cfg_dict, self._filename, self._text), memo))
        return other

    def copy(self) -> Config:
        """A shallow copy."""
        return copy.copy(self)

    def deepcopy(self) -> Config:
        """A deep copy."""
        return copy.deepcopy(self)

    def dump(self, file: str | None = None) -> str | None:
        """Write the resolved config to ``file`` (format by extension) or return it as text.

        Without ``file``, a config loaded from ``.json``/``.yaml`` is returned in that format and any
        other as Python source.
        """
        cfg_dict = self._cfg_dict.to_dict()
        if file is None:
            if self.filename is None or self.filename.endswith('.py'):
                return self.pretty_text
            return _dump_file(cfg_dict, file_format=self.filename.rsplit('.', 1)[-1])
        file = os.fspath(file)
        if file.endswith('.py'):
            with open(file, 'w', encoding='utf-8') as f:
                f.write(self.pretty_text)
            return None
        return _dump_file(cfg_dict, file=file, file_format=file.rsplit('.', 1)[-1])

    def merge_from_dict(self, options: dict, allow_list_keys: bool = True) -> None:
        """Merge dotted-key options (``'data.train.pipeline.2.img_scale'``) into the config.

        Args:
            options: Maps dotted keys to values.
            allow_list_keys: Let digit keys index into lists. Defaults to True.
        """
        nested: dict = {}
        for full_key, value in options.items():
            node = nested
            *parents, last = full_key.split('.')
            for part in parents:
                node = node.setdefault(part, {})
                if not isinstance(node, dict):
                    raise ReadableKeyError(f'--cfg-options: {full_key} conflicts with another option')
            node[last] = value
        merged = loader.merge_a_into_b(nested, self._cfg_dict.to_dict(), allow_list_keys)
        super().__setattr__('_cfg_dict', ConfigDict(merged))
