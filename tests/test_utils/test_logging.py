import logging
import uuid

import pytest

from mmlite.utils import get_logger, get_root_logger, print_log
from mmlite.utils.logging import LOG_FORMAT


def unique_name():
    return f'mmlite_test_{uuid.uuid4().hex[:8]}'


def test_format_matches_mmcv():
    assert LOG_FORMAT == '%(asctime)s - %(name)s - %(levelname)s - %(message)s'


def test_file_handler_and_no_duplicate_handlers(tmp_path):
    name = unique_name()
    log_file = tmp_path / 'a.log'
    logger = get_logger(name, log_file=str(log_file))
    n_handlers = len(logger.handlers)
    assert get_logger(name) is logger and len(logger.handlers) == n_handlers
    logger.info('hello %d', 42)
    text = log_file.read_text()  # flushed per record: readable before close
    assert f' - {name} - INFO - hello 42' in text


def test_second_log_file_moves_file_output(tmp_path):
    name = unique_name()
    logger = get_logger(name, log_file=str(tmp_path / 'first.log'))
    logger.info('one')
    get_logger(name, log_file=str(tmp_path / 'second.log'))
    logger.info('two')
    assert 'two' not in (tmp_path / 'first.log').read_text()
    assert 'two' in (tmp_path / 'second.log').read_text()
    assert sum(isinstance(h, logging.FileHandler) for h in logger.handlers) == 1


def test_child_logger_of_initialised_parent_is_returned_as_is():
    parent = unique_name()
    get_logger(parent)
    child = get_logger(parent + '.child')
    assert child.handlers == []


def test_non_zero_rank_logs_errors_only(monkeypatch, tmp_path):
    monkeypatch.setattr('mmlite.utils.logging._dist_rank', lambda: 1)
    logger = get_logger(unique_name(), log_file=str(tmp_path / 'r1.log'))
    assert logger.level == logging.ERROR
    assert not (tmp_path / 'r1.log').exists()  # no file handler on rank > 0


def test_print_log_targets(capsys, caplog):
    print_log('to stdout')
    assert 'to stdout' in capsys.readouterr().out
    name = unique_name()
    logger = get_logger(name)
    with caplog.at_level(logging.INFO, logger=name):
        print_log('via logger', logger=logger)
        print_log('via name', logger=name, level=logging.WARNING)
        print_log('dropped', logger='silent')
    messages = [(r.getMessage(), r.levelno) for r in caplog.records]
    assert ('via logger', logging.INFO) in messages and ('via name', logging.WARNING) in messages
    assert all(m != 'dropped' for m, _ in messages)
    with pytest.raises(TypeError, match='logger should be'):
        print_log('x', logger=3)


def test_root_logger_name():
    assert get_root_logger().name == 'mmlite'
