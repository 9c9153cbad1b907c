"""A two-component Gaussian mixture over scalars, fitted by EM from PAA's start (means at the smallest and
largest value, unit precisions, equal weights): the iterations, stopping rule and outputs of scikit-learn's
``GaussianMixture`` with those initial parameters, without scikit-learn (and without its k-means pass, which
drew from NumPy's global random state although its result was overwritten)."""
from __future__ import annotations

import numpy as np

COVARIANCE_TYPES = ('full', 'diag', 'spherical', 'tied')


def _logsumexp(values: np.ndarray) -> np.ndarray:
    top = values.max(axis=1)
    return top + np.log(np.exp(values - top[:, None]).sum(axis=1))


class TwoGaussianMixture:
    """EM fit of two 1-D Gaussians (``tied``: one shared variance; the other types are the same model in one
    dimension). ``tol``/``max_iter``/``reg_covar`` are scikit-learn's defaults."""

    def __init__(self, covariance_type: str = 'diag', tol: float = 1e-3, max_iter: int = 100,
                 reg_covar: float = 1e-6):
        if covariance_type not in COVARIANCE_TYPES:
            raise ValueError(f'covariance_type must be one of {COVARIANCE_TYPES}, got {covariance_type!r}')
        self.covariance_type, self.tol, self.max_iter, self.reg_covar = covariance_type, tol, max_iter, reg_covar
        self.converged = False

    def _weighted_log_prob(self, x: np.ndarray) -> np.ndarray:
        """``log(weight_k) + log N(x | mean_k, var_k)``, ``(n, 2)``."""
        if self.covariance_type in ('full', 'tied'):  # scikit-learn's forms, kept for the same rounding
            distance = (x * self.precisions_cholesky - self.means * self.precisions_cholesky)**2
        else:
            precisions = self.precisions_cholesky**2
            distance = (self.means**2 * precisions) - 2.0 * (x * (self.means * precisions)) + (x**2) * precisions
        return -0.5 * (np.log(2 * np.pi) + distance) + np.log(self.precisions_cholesky) + np.log(self.weights)

    def _m_step(self, x: np.ndarray, log_resp: np.ndarray) -> None:
        resp = np.exp(log_resp)
        counts = resp.sum(axis=0) + 10 * np.finfo(resp.dtype).eps
        self.means = (resp * x).sum(axis=0) / counts
        if self.covariance_type == 'tied':
            variance = ((x * x).sum() - (counts * self.means**2).sum()) / counts.sum() + self.reg_covar
            variances = np.full(2, variance)
        elif self.covariance_type == 'full':
            variances = (resp * (x - self.means)**2).sum(axis=0) / counts + self.reg_covar
        else:
            variances = (resp * (x * x)).sum(axis=0) / counts - self.means**2 + self.reg_covar
        if not (variances > 0).all():
            raise ValueError('the Gaussian mixture has a component without spread (all its values equal); '
                             'increase reg_covar')
        self.weights = counts / counts.sum()
        self.precisions_cholesky = 1.0 / np.sqrt(variances)

    def fit(self, values: np.ndarray) -> TwoGaussianMixture:
        """Fit to ``values`` (any shape, at least two of them); EM stops when the mean log-likelihood changes
        by less than ``tol`` or after ``max_iter`` rounds."""
        x = np.asarray(values).reshape(-1, 1)
        if len(x) < 2:
            raise ValueError(f'a two-component mixture needs at least 2 values, got {len(x)}')
        self.means = np.array([x.min(), x.max()], dtype=np.float64)
        self.weights = np.array([0.5, 0.5])
        self.precisions_cholesky = np.ones(2)
        lower_bound, self.converged = -np.inf, False
        for self.n_iter in range(1, self.max_iter + 1):
            weighted = self._weighted_log_prob(x)
            log_norm = _logsumexp(weighted)
            self._m_step(x, weighted - log_norm[:, None])
            previous, lower_bound = lower_bound, log_norm.mean()
            if abs(lower_bound - previous) < self.tol:
                self.converged = True
                break
        return self

    def predict(self, values: np.ndarray) -> np.ndarray:
        """The more likely component (0: the one started at the smallest value) of each value."""
        return self._weighted_log_prob(np.asarray(values).reshape(-1, 1)).argmax(axis=1)

    def score_samples(self, values: np.ndarray) -> np.ndarray:
        """The mixture's log-density at each value."""
        return _logsumexp(self._weighted_log_prob(np.asarray(values).reshape(-1, 1)))
