"""Load a config's test set with results saved by ``tools/test.py --out`` (for the analysis tools)."""
from __future__ import annotations

from ..datasets import build_dataset
from ..utils import Config, load, replace_cfg_vals, update_data_root


def load_test_set_and_results(config: str, results_file: str, cfg_options: dict | None = None,
                              with_ground_truth: bool = False) -> tuple:
    """``(cfg, dataset, results)``: the resolved config, its test set (``test_mode``) and the saved results,
    or ``SystemExit`` saying to pass the right config when the counts differ. With ``with_ground_truth`` the
    test set loads images and annotations only (the loading steps of the training pipeline), for drawing.

    The results file is a pickle: load only files you produced (unpickling can run code).
    """
    cfg = replace_cfg_vals(Config.fromfile(config))
    update_data_root(cfg)
    if cfg_options is not None:
        cfg.merge_from_dict(cfg_options)
    cfg.data.test.test_mode = True
    if with_ground_truth:
        from ..datasets import get_loading_pipeline
        train = cfg.data.train
        while 'pipeline' not in train and 'dataset' in train:  # RepeatDataset & co.
            train = train.dataset
        cfg.data.test.pipeline = get_loading_pipeline(train.pipeline)
    dataset = build_dataset(cfg.data.test)
    results = load(results_file)
    if not isinstance(results, list) or len(results) != len(dataset):
        size = len(results) if isinstance(results, list) else type(results).__name__
        raise SystemExit(f'{results_file} holds {size} results but the test set of {config} has '
                         f'{len(dataset)} images: pass the config the results were produced with')
    return cfg, dataset, results
