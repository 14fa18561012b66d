"""The built-in strategies: factories, descriptions and the citations of their defaults.

The defaults themselves are written once, in each strategy's constructor signature;
``StrategySpec.defaults`` reads them from there. A citation says where each default comes from.
"""
from __future__ import annotations

from strategies.base import StrategySpec
from strategies.registry import is_registered, register

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
        seed_independent=True,  # with the default order="id"; order="shuffled" follows the seed
        citation="exhaustive grid baseline (Bergstra & Bengio, JMLR 2012); order='id' (table order) "
        "is a harness choice, not a published setting",
    ),
    StrategySpec(
        name="re",
        factory="strategies.evolution:RegularizedEvolution",
        description="regularized (aging) evolution with tournament selection",
        citation="Real et al., Regularized Evolution for Image Classifier Architecture Search, AAAI 2019 "
        "(Alg. 1); defaults: the REA baseline of NAS-Bench-201 (Dong & Yang, ICLR 2020; AutoDL-Projects "
        "R-EA.sh --ea_population 10, run as R-EA.sh cifar10 3 in docs/NAS-Bench-201.md)",
    ),
    StrategySpec(
        name="ls",
        factory="strategies.local_search:LocalSearch",
        description="best-improvement local search over neighbours, restarted at local optima",
        citation="White, Nolen & Savani, Exploring the Loss Landscape in NAS, UAI 2021 (authors' code, "
        "naszilla local_search, full-neighbourhood variant); num_init=10: its DEFAULT_NUM_INIT",
    ),
    StrategySpec(
        name="reinforce",
        factory="strategies.reinforce:Reinforce",
        description="REINFORCE with one softmax per decision, Adam and a moving-average baseline",
        citation="Williams, Machine Learning 1992; defaults: the NAS-Bench-201 REINFORCE baseline "
        "(Dong & Yang, ICLR 2020; AutoDL-Projects NAS-Bench-201-algos/reinforce.py with Adam, run as "
        "REINFORCE.sh cifar10 0.5 in docs/NAS-Bench-201.md, --EMA_momentum 0.9)",
    ),
    StrategySpec(
        name="rl-controller",
        factory="strategies.rl_controller:RLController",
        description="LSTM controller emitting one decision per step, trained with policy gradients",
        citation="Zoph & Le, ICLR 2017; Pham et al. (ENAS), ICML 2018; defaults: ENAS CIFAR-10 micro "
        "search (lstm_size 64, controller_lr 0.0035, bl_dec 0.99, entropy_weight 1e-4, tanh_constant 1.10, "
        "controller_num_aggregate 10 with sync_replicas: batch_size=10, one Adam step on the mean policy "
        "gradient of a batch, as Zoph & Le's batches of m sampled architectures)",
        requires="torch",
    ),
    StrategySpec(
        name="optuna-tpe",
        factory="strategies.optuna_adapter:OptunaTPE",
        description="Optuna's TPE sampler over the categorical decisions (ask-and-tell)",
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
    StrategySpec(
        name="bananas",
        factory="strategies.bananas:Bananas",
        description="BANANAS: ensemble of MLPs on path encodings, mutation candidates, Thompson sampling",
        citation="White, Neiswanger & Savani, BANANAS, AAAI 2021; defaults: bananas_case1 and "
        "MetaNeuralnet.fit in naszilla/bananas (num_init=10, k=10, num_ensemble=5, candidate_nums=100, "
        "acq_opt_type='mutation', explore_type='its', 10 layers x 20, lr 0.01, 200 epochs, MAE loss); "
        "ucb_beta=0.5 is a harness choice (only used with acquisition='ucb')",
        requires="torch",
    ),
    StrategySpec(
        name="npenas",
        factory="strategies.npenas:NPENAS",
        description="NPENAS-NP: predictor-guided evolution, mutation candidates ranked by a GCN predictor's mean",
        citation="Wei et al., NPENAS: Neural Predictor Guided Evolution for NAS, IEEE TNNLS 2022 (NPENAS-NP); "
        "predictor: the harness's GCN instead of the paper's GIN; 100 candidates as BANANAS",
        requires="torch",
    ),
    StrategySpec(
        name="bo-gp",
        factory="strategies.bo_gp:BOGP",
        description="GP Bayesian optimisation (Hamming kernel) with expected improvement",
        citation="Jones, Schonlau & Welch, J. Global Optim. 1998 (EI); num_init=10 and 100 mutation "
        "candidates as BANANAS (White et al., AAAI 2021); 100 random candidates and xi=0 are harness choices",
    ),
]


# ----- multi-fidelity strategies (strategies/multifidelity.py) ----------------------------------
# They set ``needs_fidelities = True``: the runner passes the table's fidelities (epochs) as
# ``fidelities``; the other hyperparameters default to the methods' cited values.
BUILTINS += [
    StrategySpec(
        name="sh",
        factory="strategies.multifidelity:SuccessiveHalving",
        description="successive halving over the table's fidelities; promotions continue the trial",
        citation="Jamieson & Talwalkar, AISTATS 2016; Li et al., Hyperband, JMLR 2018 (eta=3, 'eta = 3 or 4'); "
        "num_configs=None: eta**(rungs-1), Hyperband's most exploratory bracket; a new bracket opens "
        "instead of waiting (asynchronous workers) - a harness choice",
    ),
    StrategySpec(
        name="hb",
        factory="strategies.multifidelity:Hyperband",
        description="Hyperband: successive-halving brackets s = s_max .. 0 over the table's fidelities",
        citation="Li, Jamieson, DeSalvo, Rostamizadeh & Talwalkar, Hyperband, JMLR 2018 (Alg. 1, eta=3); "
        "rungs are the table's fidelity ladder; brackets do not block asynchronous workers (harness choice)",
    ),
    StrategySpec(
        name="asha",
        factory="strategies.multifidelity:ASHA",
        description="asynchronous successive halving: promote any top-1/eta trial, else a new random config",
        citation="Li et al., A System for Massively Parallel Hyperparameter Tuning, MLSys 2020 (Alg. 2); "
        "eta=3 as Li et al., JMLR 2018",
    ),
    StrategySpec(
        name="bohb",
        factory="strategies.multifidelity:BOHB",
        description="BOHB: Hyperband with a TPE-style categorical KDE model proposing new configurations",
        citation="Falkner, Klein & Hutter, BOHB, ICML 2018 (Alg. 2; rho=1/3, q=15%, N_s=64, b_w=3, "
        "N_min=d+1) and hpbandster's BOHB defaults (min_bandwidth=1e-3); Aitchison-Aitken kernels "
        "(Aitchison & Aitken, Biometrika 1976) on the space's categorical decisions",
    ),
]


# ----- multi-objective strategies (strategies/multiobjective.py; run with run_mo_search) ---------
BUILTINS += [
    StrategySpec(
        name="mo-rs",
        factory="strategies.multiobjective:MORandomSearch",
        description="multi-objective random search without replacement; recommends the Pareto set",
        citation="random search baseline (Li & Talwalkar, UAI 2019) reporting its non-dominated set",
        objectives="multi",
    ),
    StrategySpec(
        name="nsga2",
        factory="strategies.multiobjective:NSGA2",
        description="NSGA-II: non-dominated sorting + crowding distance, uniform crossover, one-decision mutation",
        citation="Deb, Pratap, Agarwal & Meyarivan, IEEE TEVC 2002 (p_c = 0.9); population_size=20, uniform "
        "crossover and mutation_prob=1.0 with space.mutate are harness choices",
        objectives="multi",
    ),
    StrategySpec(
        name="mo-re",
        factory="strategies.multiobjective:MORegularizedEvolution",
        description="regularized evolution whose tournament picks by Pareto rank, then crowding distance",
        citation="Real et al., AAAI 2019 (aging evolution) with NSGA-II's crowded comparison (Deb et al. 2002); "
        "population_size=20 and sample_size=3 are harness choices",
        objectives="multi",
    ),
    StrategySpec(
        name="parego",
        factory="strategies.multiobjective:ParEGO",
        description="ParEGO scalarisation (random augmented Chebyshev weights each step) driving aging evolution; no surrogate",
        citation="Knowles, ParEGO, IEEE TEVC 2006 (lattice s=11 / s=4, rho=0.05); GP+EI replaced by an RE "
        "tournament (harness choice)",
        objectives="multi",
    ),
]


def register_builtins() -> None:
    """Register every built-in strategy once."""
    for spec in BUILTINS:
        if not is_registered(spec.name):
            register(spec)
