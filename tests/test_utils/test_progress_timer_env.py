import io
import time

import pytest

from mmlite import ProgressBar, collect_env, track_iter_progress, track_progress
from mmlite.utils import Timer, TimerError, check_time
from mmlite.utils.ext_check import check_torchvision_ops


class FakeTTY(io.StringIO):

    def isatty(self):
        return True


def test_progress_bar_tty_shows_count_rate_eta():
    out = FakeTTY()
    bar = ProgressBar(4, bar_width=10, file=out)
    for _ in range(4):
        bar.update()
    text = out.getvalue()
    assert '\r[' in text and '4/4' in text and 'task/s' in text and 'ETA:' in text
    assert text.endswith('\n')


def test_progress_bar_without_tty_prints_few_plain_lines():
    out = io.StringIO()
    bar = ProgressBar(1000, file=out)
    for _ in range(1000):
        bar.update()
    lines = out.getvalue().splitlines()
    assert '\r' not in out.getvalue()
    assert 10 <= len(lines) <= 25 and '1000/1000' in lines[-1]


def test_progress_bar_unknown_total():
    out = io.StringIO()
    bar = ProgressBar(file=out)
    bar.update(3)
    assert 'completed: 0' in out.getvalue()
    with pytest.raises(ValueError):
        bar.update(0)


def test_track_progress_and_iter():
    out = io.StringIO()
    assert track_progress(lambda x, k: x * k, [1, 2, 3], file=out, k=2) == [2, 4, 6]
    assert list(track_iter_progress(([5, 6], 2), file=out)) == [5, 6]
    with pytest.raises(TypeError):
        list(track_iter_progress(iter([1]), file=out))


def test_timer():
    timer = Timer()
    time.sleep(0.01)
    assert timer.since_start() >= 0.01
    assert timer.since_last_check() < 0.5 and timer.is_running
    with pytest.raises(TimerError):
        Timer(start=False).since_start()
    assert check_time('test-id') == 0 and check_time('test-id') >= 0


def test_collect_env_keys():
    env = collect_env()
    for key in ('sys.platform', 'Python', 'CUDA available', 'GCC', 'PyTorch',
                'PyTorch compiling details', 'TorchVision', 'NumPy', 'mmlite'):
        assert key in env
    from mmlite import __version__
    assert env['mmlite'] == __version__


def test_torchvision_ops_check_passes_on_a_good_install():
    check_torchvision_ops()


def test_torchvision_ops_check_explains_a_broken_install(monkeypatch):
    import torchvision.ops

    import mmlite.utils.ext_check as ext_check

    def broken(*args):
        raise RuntimeError('operator torchvision::nms does not exist')

    monkeypatch.setattr(ext_check, '_checked', False)
    monkeypatch.setattr(torchvision.ops, 'nms', broken)
    with pytest.raises(ImportError) as info:
        ext_check.check_torchvision_ops()
    assert 'torchvision::nms does not exist' in str(info.value)
    assert 'matching torch/torchvision pair' in str(info.value)
