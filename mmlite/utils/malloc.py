"""Keep freed heap memory for reuse on glibc, so large CPU tensors stop page-faulting every step.

By default glibc serves allocations above its mmap threshold (at most 32 MiB) with fresh
``mmap`` pages and returns them on ``free``. A CPU training step at 1333x800 allocates ~25 GB of
such tensors (feature maps and their gradients), so every step touches ~4 million fresh pages:
measured, 40 % of the step's CPU time goes to page faults in the kernel. With ``mmap`` disabled
and trimming off, freed blocks stay in the heap and the next step reuses them (the process keeps
its peak memory instead of giving it back between steps).
"""
from __future__ import annotations

import ctypes
import platform

_M_TRIM_THRESHOLD = -1
_M_MMAP_MAX = -4
_INT_MAX = 2**31 - 1


def keep_freed_memory() -> bool:
    """Tell glibc's malloc to serve every allocation from its heaps and never trim them.

    Applies to this process and to processes forked from it afterwards (data-loader workers).
    Returns False, changing nothing, where the C library is not glibc (macOS, Windows, musl).
    """
    if platform.system() != 'Linux' or platform.libc_ver()[0] != 'glibc':
        return False
    mallopt = getattr(ctypes.CDLL(None), 'mallopt', None)
    if mallopt is None:
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    return bool(mallopt(_M_MMAP_MAX, 0)) and bool(mallopt(_M_TRIM_THRESHOLD, _INT_MAX))
