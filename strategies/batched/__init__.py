"""A batched search engine: many seeds of one configuration, the seeds a batch dimension.

    from strategies.batched import run_batched, is_batchable
    from strategies.runner import RunSpec

    specs = [RunSpec("nb201/cifar10", "re", seed, "500q") for seed in range(500)]
    trajectories = run_batched(specs)   # == [run_one(s) for s in specs], column for column

Modules, one job each: ``engine`` (run_batched, is_batchable, the one-worker simulation),
``base`` (the BatchedStrategy interface, NotBatchableError), ``streams`` (each seed's numpy
stream drawn in vectorised form, value for value), ``spaceops`` (neighbours, mutate, repair,
seen-sets for many seeds), ``evaluation`` (the Evaluator and Reporter of many seeds),
``registry`` (which strategies have a batched twin), and one module per strategy family
(``simple``: rs, grid; ``evolution``: re; ``local_search``: ls; ``reinforce``;
``rl_controller``).
"""
from strategies.batched.base import BatchedStrategy, NotBatchableError
from strategies.batched.engine import SUPPORTED, is_batchable, run_batched, why_not_batchable

__all__ = ["BatchedStrategy", "NotBatchableError", "SUPPORTED", "is_batchable", "run_batched", "why_not_batchable"]
