"""Load a config's test set with results saved by ``tools/test.py --out`` (for the analysis tools)."""
from __future__ import annotations

from ..datasets import build_dataset
from ..utils import Config, load, replace_cfg_vals, update_data_root


def load_test_set_and_results(config: str, results_file: str, cfg_options: dict | None = None) -> tuple:
    """``(cfg, dataset, results)``: the resolved config, its test set (``test_mode``) and the saved results,
    or ``SystemExit`` saying to pass the right config when the counts differ.

    The results file is a pickle: load only files you produced (unpickling can run code).
    """
    cfg = replace_cfg_vals(Config.fromfile(config))
    update_data_root(cfg)
    if cfg_options is not None:
        cfg.merge_from_dict(cfg_options)
    cfg.data.test.test_mode = True
    dataset = build_dataset(cfg.data.test)
    results = load(results_file)
    if not isinstance(results, list) or len(results) != len(dataset):
        size = len(results) if isinstance(results, list) else type(results).__name__
        raise SystemExit(f'{results_file} holds {size} results but the test set of {config} has '
                         f'{len(dataset)} images: pass the config the results were produced with')
    return cfg, dataset, results
