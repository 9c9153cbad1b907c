"""Rank-aware loggers with mmcv's line format (``get_logger``, ``print_log``, ``get_root_logger``)."""
from __future__ import annotations

import logging
import os
import sys
import time

LOG_FORMAT = '%(asctime)s - %(name)s - %(levelname)s - %(message)s'

# Names of loggers configured by get_logger; a logger is configured once per process, but a
# later call with a new log_file moves its file handler there (see docs/compat.md).
logger_initialized: dict[str, bool] = {}


def _dist_rank() -> int:
    try:
        import torch.distributed as dist
    except ImportError:  # pragma: no cover - torch is a hard dependency
        return 0
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank()
    return 0


class _Formatter(logging.Formatter):
    """mmcv's format; the timestamp text is computed once per second (strftime is costly)."""

    _cached: tuple = (None, '')

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        if datefmt is not None:
            return super().formatTime(record, datefmt)
        second = int(record.created)
        if self._cached[0] != second:
            self._cached = (second, time.strftime(self.default_time_format, self.converter(second)))
        return self.default_msec_format % (self._cached[1], record.msecs)


def _replace_file_handler(logger: logging.Logger, log_file: str, file_mode: str) -> None:
    for handler in list(logger.handlers):
        if isinstance(handler, logging.FileHandler):
            if os.path.abspath(handler.baseFilename) == os.path.abspath(log_file):
                return
            logger.removeHandler(handler)
            handler.close()
    # logging.FileHandler flushes after every record: a crash loses no logged line
    file_handler = logging.FileHandler(log_file, file_mode, encoding='utf-8')
    file_handler.setFormatter(_Formatter(LOG_FORMAT))
    file_handler.setLevel(logger.level)
    logger.addHandler(file_handler)


def get_logger(name: str, log_file: str | None = None, log_level: int = logging.INFO,
               file_mode: str = 'w') -> logging.Logger:
    """Get a logger that writes to stderr and, on rank 0, to ``log_file``.

    Ranks other than 0 log ERROR and above only. Calling it again for the same name adds no
    handler; a different ``log_file`` moves the file output there.

    Args:
        name: Logger name.
        log_file: Path of a log file (rank 0 only). Defaults to None.
        log_level: Level on rank 0. Defaults to INFO.
        file_mode: ``'w'`` or ``'a'``. Defaults to 'w'.
    """
    logger = logging.getLogger(name)
    rank = _dist_rank()
    if name in logger_initialized:
        if log_file is not None and rank == 0:
            _replace_file_handler(logger, log_file, file_mode)
        return logger
    for parent in logger_initialized:
        if name.startswith(parent + '.'):
            return logger

    # A root StreamHandler (e.g. from logging.basicConfig) would print every line twice.
    for handler in logger.root.handlers:
        if type(handler) is logging.StreamHandler:
            handler.setLevel(logging.ERROR)

    level = log_level if rank == 0 else logging.ERROR
    stream_handler = logging.StreamHandler(sys.stderr)
    stream_handler.setFormatter(_Formatter(LOG_FORMAT))
    stream_handler.setLevel(level)
    logger.addHandler(stream_handler)
    logger.setLevel(level)
    if rank == 0 and log_file is not None:
        _replace_file_handler(logger, log_file, file_mode)
    logger_initialized[name] = True
    return logger


def print_log(msg: str, logger: logging.Logger | str | None = None, level: int = logging.INFO) -> None:
    """Print ``msg`` through ``logger``.

    Args:
        msg: The message.
        logger: A Logger, a logger name, ``'silent'`` (drop the message) or None (``print``).
        level: Logging level. Defaults to INFO.
    """
    if logger is None:
        print(msg)
    elif isinstance(logger, logging.Logger):
        logger.log(level, msg)
    elif logger == 'silent':
        pass
    elif isinstance(logger, str):
        get_logger(logger).log(level, msg)
    else:
        raise TypeError('logger should be either a logging.Logger object, str, '
                        f'"silent" or None, but got {type(logger)}')


def get_root_logger(log_file: str | None = None, log_level: int = logging.INFO) -> logging.Logger:
    """The ``mmlite`` logger (mmdet's ``get_root_logger``)."""
    return get_logger('mmlite', log_file=log_file, log_level=log_level)
