"""Minimum-cost bipartite matching (the result of ``scipy.optimize.linear_sum_assignment``), in NumPy."""
from __future__ import annotations

import numpy as np


def linear_sum_assignment(cost) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices (rows ascending) of a minimum-cost matching of ``min(rows, cols)`` pairs of a 2-D
    cost matrix: shortest augmenting paths with dual potentials (Jonker-Volgenant), O(n^2 m) for n <= m."""
    cost = np.asarray(cost, dtype=np.float64)
    if cost.ndim != 2:
        raise ValueError(f'the cost matrix must be 2-D, got shape {cost.shape}')
    if not np.isfinite(cost).all():
        raise ValueError('the cost matrix has non-finite entries')
    transposed = cost.shape[0] > cost.shape[1]
    if transposed:
        cost = cost.T
    col_of_row = _augmenting_paths(cost)
    rows, cols = np.arange(cost.shape[0]), col_of_row
    if transposed:
        rows, cols = cols, rows
        order = np.argsort(rows)
        rows, cols = rows[order], cols[order]
    return rows.astype(np.int64), cols.astype(np.int64)


def _augmenting_paths(cost: np.ndarray) -> np.ndarray:
    """For ``n <= m`` rows and columns, the column matched to each row."""
    n, m = cost.shape
    u, v = np.zeros(n + 1), np.zeros(m + 1)
    row_of_col = np.zeros(m + 1, dtype=np.int64)  # 1-based rows; column 0 is the virtual start
    way = np.zeros(m + 1, dtype=np.int64)
    for row in range(1, n + 1):
        row_of_col[0], col = row, 0
        min_to = np.full(m + 1, np.inf)
        used = np.zeros(m + 1, dtype=bool)
        while True:
            used[col] = True
            current = row_of_col[col]
            free = ~used[1:]
            reduced = cost[current - 1] - u[current] - v[1:]
            better = free & (reduced < min_to[1:])
            min_to[1:][better] = reduced[better]
            way[1:][better] = col
            candidates = np.where(free, min_to[1:], np.inf)
            nxt = int(np.argmin(candidates)) + 1
            delta = candidates[nxt - 1]
            u[row_of_col[used]] += delta
            v[used] -= delta
            min_to[1:][free] -= delta
            col = nxt
            if row_of_col[col] == 0:
                break
        while col:  # flip the path
            prev = way[col]
            row_of_col[col] = row_of_col[prev]
            col = prev
    col_of_row = np.zeros(n, dtype=np.int64)
    for col in range(1, m + 1):
        if row_of_col[col]:
            col_of_row[row_of_col[col] - 1] = col - 1
    return col_of_row
