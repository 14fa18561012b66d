"""The built-in strategies and their cited default hyperparameters."""
from __future__ import annotations

from strategies.base import StrategySpec
from strategies.registry import _REGISTRY, register

BUILTINS = [
    StrategySpec(
        name="rs",
        factory="strategies.random_search:RandomSearch",
        description="random search without replacement",
        citation="Li & Talwalkar, Random Search and Reproducibility for NAS, UAI 2019",
    ),
    StrategySpec(
        name="grid",
        factory="strategies.grid:GridSearch",
        description="exhaustive enumeration of a finite space, each architecture once",
        defaults={"order": "id"},
        seed_independent=True,  # with the default order="id"; order="shuffled" follows the seed
        citation="exhaustive grid baseline (Bergstra & Bengio, JMLR 2012); order='id' (table order) "
        "is a harness choice, not a published setting",
    ),
    StrategySpec(
        name="re",
        factory="strategies.evolution:RegularizedEvolution",
        description="regularized (aging) evolution with tournament selection",
        defaults={"population_size": 10, "sample_size": 3},
        citation="Real et al., Regularized Evolution for Image Classifier Architecture Search, AAAI 2019 "
        "(Alg. 1); defaults: the REA baseline of NAS-Bench-201 (Dong & Yang, ICLR 2020; AutoDL-Projects "
        "R-EA.sh --ea_population 10, run as R-EA.sh cifar10 3 in docs/NAS-Bench-201.md)",
    ),
    StrategySpec(
        name="ls",
        factory="strategies.local_search:LocalSearch",
        description="best-improvement local search over neighbours, restarted at local optima",
        defaults={"num_init": 10},
        citation="White, Nolen & Savani, Exploring the Loss Landscape in NAS, UAI 2021 (authors' code, "
        "naszilla local_search, full-neighbourhood variant); num_init=10: its DEFAULT_NUM_INIT",
    ),
    StrategySpec(
        name="reinforce",
        factory="strategies.reinforce:Reinforce",
        description="REINFORCE with one softmax per decision, Adam and a moving-average baseline",
        defaults={"learning_rate": 0.5, "ema_momentum": 0.9},
        citation="Williams, Machine Learning 1992; defaults: the NAS-Bench-201 REINFORCE baseline "
        "(Dong & Yang, ICLR 2020; AutoDL-Projects NAS-Bench-201-algos/reinforce.py with Adam, run as "
        "REINFORCE.sh cifar10 0.5 in docs/NAS-Bench-201.md, --EMA_momentum 0.9)",
    ),
    StrategySpec(
        name="rl-controller",
        factory="strategies.rl_controller:RLController",
        description="LSTM controller emitting one decision per step, trained with policy gradients",
        defaults={
            "hidden_size": 64,
            "learning_rate": 0.0035,
            "baseline_decay": 0.99,
            "entropy_weight": 1e-4,
            "tanh_constant": 1.1,
        },
        citation="Zoph & Le, ICLR 2017; Pham et al. (ENAS), ICML 2018; defaults: ENAS CIFAR-10 micro "
        "search (lstm_size 64, controller_lr 0.0035, bl_dec 0.99, entropy_weight 1e-4, tanh_constant 1.10)",
        requires="torch",
    ),
    StrategySpec(
        name="optuna-tpe",
        factory="strategies.optuna_adapter:OptunaTPE",
        description="Optuna's TPE sampler over the categorical decisions (ask-and-tell)",
        defaults={"n_startup_trials": 10, "multivariate": True, "constant_liar": True},
        citation="Bergstra et al., NeurIPS 2011 (TPE); Akiba et al., KDD 2019 (Optuna); defaults: "
        "TPESampler's in Optuna 5.0",
        requires="optuna",
    ),
    StrategySpec(
        name="optuna-random",
        factory="strategies.optuna_adapter:OptunaRandom",
        description="Optuna's RandomSampler over the categorical decisions (control for optuna-tpe)",
        citation="Akiba et al., KDD 2019 (Optuna RandomSampler)",
        requires="optuna",
    ),
]


def register_builtins() -> None:
    """Register every built-in strategy once."""
    for spec in BUILTINS:
        if spec.name not in _REGISTRY:
            register(spec)
