"""Hook priorities: a lower value runs earlier (mmcv's table)."""
from __future__ import annotations

from enum import Enum

from ..utils.errors import ReadableKeyError


class Priority(Enum):
    """Hook priority levels."""
    HIGHEST = 0
    VERY_HIGH = 10
    HIGH = 30
    ABOVE_NORMAL = 40
    NORMAL = 50
    BELOW_NORMAL = 60
    LOW = 70
    VERY_LOW = 90
    LOWEST = 100


def get_priority(priority: int | str | Priority) -> int:
    """The integer value of a priority given as an int (0-100), a name or a ``Priority``."""
    if isinstance(priority, bool):
        raise TypeError('priority must be an integer, a Priority name or a Priority member')
    if isinstance(priority, int):
        if priority < 0 or priority > 100:
            raise ValueError(f'priority must be between 0 and 100, got {priority}')
        return priority
    if isinstance(priority, Priority):
        return priority.value
    if isinstance(priority, str):
        try:
            return Priority[priority.upper()].value
        except KeyError:
            raise ReadableKeyError(f'unknown priority {priority!r}; use one of '
                                   f'{", ".join(p.name for p in Priority)} or an int in [0, 100]') from None
    raise TypeError('priority must be an integer, a Priority name or a Priority member, '
                    f'got {type(priority)}')
