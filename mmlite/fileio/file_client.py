"""``mmcv.fileio.file_client``, the mmcv module path: the names it had, re-exported."""
from ..utils.file_client import BaseStorageBackend, FileClient, HardDiskBackend, HTTPBackend

__all__ = ['BaseStorageBackend', 'FileClient', 'HTTPBackend', 'HardDiskBackend']
