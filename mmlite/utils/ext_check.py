"""A clear error when torchvision's compiled operators cannot be used.

The detection stack needs torchvision's compiled ops (nms, roi_align). A CPU-only torch paired
with PyPI's CUDA torchvision (or any mismatched pair) imports but fails on first use with a
cryptic operator error; :func:`check_torchvision_ops` turns that into one actionable message.
"""
from __future__ import annotations

_INSTALL_HINT = (
    'Install a matching torch/torchvision pair, e.g. `pip install --force-reinstall torch '
    'torchvision` from the same index (PyPI wheels work on CPU too), or re-run `pip install -e .` '
    'in a fresh virtualenv so pip picks them together.')

_checked = False


class TorchvisionOpsError(ImportError):
    """Raised when torchvision or its compiled ops cannot be loaded."""


def check_torchvision_ops() -> None:
    """Import torchvision and run one tiny nms; raise TorchvisionOpsError with a fix if it fails."""
    global _checked
    if _checked:
        return
    import torch
    try:
        import torchvision  # noqa: F401 - the import itself is what fails on a broken install
        from torchvision.ops import nms
        nms(torch.zeros((1, 4)), torch.zeros(1), 0.5)
    except Exception as exc:  # noqa: BLE001 - any failure here means a broken install
        tv_version = getattr(locals().get('torchvision'), '__version__', 'not importable')
        raise TorchvisionOpsError(
            f'torchvision\'s compiled operators cannot be loaded (torch {torch.__version__}, '
            f'torchvision {tv_version}): {type(exc).__name__}: {exc}. The mmlite detection stack '
            f'(mmlite.models, mmlite.core, mmlite.datasets) needs them. {_INSTALL_HINT}') from exc
    _checked = True
