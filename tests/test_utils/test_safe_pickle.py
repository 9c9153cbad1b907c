"""load_data_pickle: plain data (incl. Python 2 pickles of NumPy arrays) loads; code does not run."""
import io
import os
import pickle
from collections import OrderedDict

import numpy as np
import pytest

from mmlite.utils import load_data_pickle


@pytest.mark.parametrize('protocol', [0, 2, pickle.HIGHEST_PROTOCOL])
def test_plain_data_round_trips(tmp_path, protocol):
    data = OrderedDict(blobs={'conv1_w': np.arange(6, dtype=np.float32).reshape(2, 3), 'n': np.int64(3)},
                       names=['a', b'b', 1.5, (2, 3), {4}, frozenset({5}), bytearray(b'x'), None, True])
    pickle.dump(data, open(tmp_path / 'data.pkl', 'wb'), protocol=protocol)
    loaded = load_data_pickle(tmp_path / 'data.pkl')
    assert type(loaded) is OrderedDict and loaded['names'] == data['names']
    np.testing.assert_array_equal(loaded['blobs']['conv1_w'], data['blobs']['conv1_w'])
    assert loaded['blobs']['n'] == 3 and loaded['blobs']['conv1_w'].dtype == np.float32


def test_python2_names_are_mapped():
    # Python 2's protocol-0 pickle of set([1, 2]): the global is __builtin__.set
    assert load_data_pickle(io.BytesIO(b'c__builtin__\nset\np0\n((lp1\nI1\naI2\natp2\nRp3\n.')) == {1, 2}


class _Exploit:
    def __reduce__(self):
        return (os.system, ('echo pwned > /dev/null', ))


def test_code_is_refused_with_the_file_named(tmp_path):
    pickle.dump({'weights': _Exploit()}, open(tmp_path / 'evil.pkl', 'wb'))
    with pytest.raises(ValueError, match=r'evil\.pkl is not a plain-data pickle: refusing to unpickle posix\.system'):
        load_data_pickle(str(tmp_path / 'evil.pkl'))
    pickle.dump(_Exploit, open(tmp_path / 'class.pkl', 'wb'))  # a class of this test module
    with pytest.raises(ValueError, match='refusing to unpickle .*_Exploit'):
        load_data_pickle(tmp_path / 'class.pkl')
    (tmp_path / 'text.pkl').write_text('not a pickle')
    with pytest.raises(ValueError, match='text.pkl is not a plain-data pickle'):
        load_data_pickle(tmp_path / 'text.pkl')
