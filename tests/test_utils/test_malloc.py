"""``malloc_keep_freed``: freed tensor memory is reused instead of page-faulting anew."""
import json
import platform
import subprocess
import sys

import pytest

GLIBC = platform.system() == 'Linux' and platform.libc_ver()[0] == 'glibc'


def _huge_pages_always() -> bool:
    try:
        with open('/sys/kernel/mm/transparent_hugepage/enabled') as f:
            return '[always]' in f.read()
    except OSError:
        return False


# Allocate and free a 64 MiB tensor a dozen times (as training steps do); report the page faults of
# each allocation. With the knob on, glibc may grow its heap for the first two or three (memalign
# slack, small blocks placed above the big one) before the freed blocks fit; after that, none fault.
PROBE = '''
import json, resource, sys
import torch
from mmlite.utils import Config, setup_multi_processes
setup_multi_processes(Config(dict(malloc_keep_freed=sys.argv[1] == "on")))
def faults_of(fn):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    fn()
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
big = lambda: torch.ones(16 * 2**20)  # 64 MiB, above glibc's largest mmap threshold
print(json.dumps([faults_of(big) for _ in range(12)]))
'''


def _faults(mode: str) -> list:
    out = subprocess.run([sys.executable, '-c', PROBE, mode], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not GLIBC, reason='the knob acts on glibc only')
@pytest.mark.skipif(_huge_pages_always(), reason='2 MiB pages: too few faults to count')
def test_keep_freed_memory_reuses_freed_blocks_instead_of_faulting():
    pages = 64 * 2**20 // 4096
    off, on = _faults('off'), _faults('on')
    assert min(off[6:]) > pages // 2, off  # default glibc: fresh pages for every large tensor
    assert sum(on[6:]) < pages // 20, on  # in steady state the freed blocks are reused


def test_keep_freed_memory_is_a_no_op_off_glibc(monkeypatch):
    from mmlite.utils import keep_freed_memory
    monkeypatch.setattr(platform, 'system', lambda: 'Darwin')
    assert keep_freed_memory() is False
