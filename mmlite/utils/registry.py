"""``Registry`` maps names to classes or functions; ``build_from_cfg`` builds them from a dict."""
from __future__ import annotations

import difflib
import inspect
from typing import Any, Callable

from .errors import ReadableKeyError


def _describe(obj: Any) -> str:
    return f'{getattr(obj, "__module__", "?")}.{getattr(obj, "__qualname__", repr(obj))}'


def _brief(cfg: dict, limit: int = 40) -> str:
    """``cfg``'s repr with long nested dicts/lists elided (``{...}``): the context of a nested
    build error names each level without repeating the whole config at every level."""
    items = []
    for key, value in cfg.items():
        text = repr(value)
        if isinstance(value, (dict, list, tuple)) and len(text) > limit:
            text = '{...}' if isinstance(value, dict) else '[...]' if isinstance(value, list) else '(...)'
        items.append(f'{key!r}: {text}')
    return '{' + ', '.join(items) + '}'


def _rewrap_exception(exc: Exception, context: str) -> Exception | None:
    """The same exception type carrying ``context`` before the original message, if constructible."""
    text = exc.args[0] if len(exc.args) == 1 and isinstance(exc.args[0], str) else str(exc)
    cls = ReadableKeyError if type(exc) is KeyError else type(exc)
    try:
        new = cls(f'{context}: {text}')
    except Exception:  # noqa: BLE001 - exception types with unusual constructors
        return None
    return new


def build_from_cfg(cfg: dict, registry: Registry, default_args: dict | None = None) -> Any:
    """Build an object from a config dict whose ``type`` names a registered class or function.

    The caller's dict is never modified.

    Args:
        cfg: Holds ``type`` (a registered name or a class/function) and the constructor arguments.
        registry: Where ``type`` is looked up.
        default_args: Arguments used where ``cfg`` does not set them. Defaults to None.

    Returns:
        The built object.
    """
    if not isinstance(cfg, dict):
        raise TypeError(f'cfg must be a dict, but got {type(cfg)}')
    if 'type' not in cfg and (default_args is None or 'type' not in default_args):
        raise ReadableKeyError('`cfg` or `default_args` must contain the key "type", '
                               f'but got {cfg}\n{default_args}')
    if not isinstance(registry, Registry):
        raise TypeError(f'registry must be an mmlite.Registry object, but got {type(registry)}')
    if not (isinstance(default_args, dict) or default_args is None):
        raise TypeError(f'default_args must be a dict or None, but got {type(default_args)}')

    args = dict(cfg)
    if default_args is not None:
        for name, value in default_args.items():
            args.setdefault(name, value)
    obj_type = args.pop('type')
    if isinstance(obj_type, str):
        obj_cls = registry.get(obj_type)
        if obj_cls is None:
            raise ReadableKeyError(registry.missing_message(obj_type))
    elif inspect.isclass(obj_type) or inspect.isfunction(obj_type):
        obj_cls = obj_type
    else:
        raise TypeError(f'type must be a str or valid type, but got {type(obj_type)}')
    try:
        return obj_cls(**args)
    except Exception as exc:
        new = _rewrap_exception(exc, f'{obj_cls.__name__} (built from {_brief(cfg)})')
        if new is None:
            raise
        raise new from exc


class Registry:
    """A named table of classes/functions, with optional parent/child scopes.

    Args:
        name: Registry name, e.g. ``'hook'``.
        build_func: Builds an object from a config; defaults to the parent's, else
            :func:`build_from_cfg`.
        parent: Parent registry; this one becomes its child under ``scope``.
        scope: Scope name; inferred from the package that creates the registry when None.
    """

    def __init__(self, name: str, build_func: Callable | None = None, parent: Registry | None = None,
                 scope: str | None = None):
        self._name = name
        self._module_dict: dict[str, Any] = {}
        self._children: dict[str, Registry] = {}
        self._scope = self.infer_scope() if scope is None else scope
        if build_func is None:
            build_func = parent.build_func if parent is not None else build_from_cfg
        self.build_func = build_func
        if parent is not None:
            if not isinstance(parent, Registry):
                raise TypeError(f'parent must be a Registry, got {type(parent)}')
            parent._add_children(self)
        self.parent = parent

    def __len__(self) -> int:
        return len(self._module_dict)

    def __contains__(self, key: str) -> bool:
        return self.get(key) is not None

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(name={self._name}, items={self._module_dict})'

    @staticmethod
    def infer_scope() -> str:
        """The top-level package name of the module that created the registry."""
        frame = inspect.currentframe()
        # frame 0: infer_scope, 1: __init__, 2: the module that instantiates the registry
        for _ in range(2):
            frame = frame.f_back if frame is not None else None
        module_name = frame.f_globals.get('__name__', '__main__') if frame is not None else '__main__'
        return module_name.split('.')[0]

    @staticmethod
    def split_scope_key(key: str) -> tuple[str | None, str]:
        """Split ``'scope.Name'`` into ``('scope', 'Name')``; ``'Name'`` gives ``(None, 'Name')``."""
        split_index = key.find('.')
        if split_index != -1:
            return key[:split_index], key[split_index + 1:]
        return None, key

    @property
    def name(self) -> str:
        return self._name

    @property
    def scope(self) -> str:
        return self._scope

    @property
    def module_dict(self) -> dict:
        return self._module_dict

    @property
    def children(self) -> dict:
        return self._children

    def get(self, key: str) -> Any:
        """Look up ``'Name'`` (here, then in the parents) or ``'scope.Name'`` (the scope's registry).

        Returns:
            The registered class/function, or None when absent.
        """
        scope, real_key = self.split_scope_key(key)
        if scope is None or scope == self._scope:
            registry: Registry | None = self
            while registry is not None:
                if real_key in registry._module_dict:
                    return registry._module_dict[real_key]
                registry = registry.parent
            return None
        if scope in self._children:
            return self._children[scope].get(real_key)
        root = self
        while root.parent is not None:
            root = root.parent
        if root is self:
            return None
        return root.get(key)

    def missing_message(self, key: str, context: str = '') -> str:
        """The error text for a name that is not registered, with the closest registered names.

        Args:
            key: The missing name.
            context: Where the name came from, e.g. ``"lr_config.policy='cosine'"``.
        """
        names = list(self._module_dict)
        parent = self.parent
        while parent is not None:
            names += list(parent._module_dict)
            parent = parent.parent
        close = difflib.get_close_matches(self.split_scope_key(key)[1], names, n=3, cutoff=0.5)
        hint = f' Did you mean {" or ".join(repr(c) for c in close)}?' if close else (
            f' Registered: {", ".join(sorted(names))}.' if names else ' The registry is empty.')
        where = f' (from {context})' if context else ''
        return f'{key!r} is not in the {self._name} registry{where}.{hint}'

    def build(self, *args, **kwargs) -> Any:
        """Build an object with this registry's ``build_func``."""
        return self.build_func(*args, **kwargs, registry=self)

    def _add_children(self, registry: Registry) -> None:
        if registry.scope in self._children:
            raise ReadableKeyError(f'scope {registry.scope} already exists in {self.name} registry')
        self._children[registry.scope] = registry

    def _register_module(self, module: Any, module_name: str | list | None = None,
                         force: bool = False) -> None:
        if not inspect.isclass(module) and not inspect.isfunction(module):
            raise TypeError(f'module must be a class or a function, but got {type(module)}')
        if module_name is None:
            module_name = module.__name__
        names = [module_name] if isinstance(module_name, str) else module_name
        for name in names:
            if not force and name in self._module_dict:
                existing = self._module_dict[name]
                raise ReadableKeyError(f'{name} is already registered in {self.name} '
                                       f'(by {_describe(existing)}; now {_describe(module)}). '
                                       'Pass force=True to replace it or choose another name.')
            self._module_dict[name] = module

    def register_module(self, name: str | list | None = None, force: bool = False,
                        module: Any = None) -> Any:
        """Register a class or function, as a decorator or a plain call.

        Args:
            name: Name(s) to register under. Defaults to the object's ``__name__``.
            force: Replace an existing entry of the same name. Defaults to False.
            module: The object to register (plain-call form). Defaults to None.
        """
        if not isinstance(force, bool):
            raise TypeError(f'force must be a boolean, but got {type(force)}')
        if inspect.isclass(name):  # legacy form: register_module(SomeClass)
            self._register_module(name, force=force)
            return name
        if not (name is None or isinstance(name, str)
                or (isinstance(name, list) and all(isinstance(n, str) for n in name))):
            raise TypeError(f'name must be either of None, an instance of str or a sequence of str, '
                            f'but got {type(name)}')
        if module is not None:
            self._register_module(module, module_name=name, force=force)
            return module

        def _register(obj: Any) -> Any:
            self._register_module(obj, module_name=name, force=force)
            return obj

        return _register
