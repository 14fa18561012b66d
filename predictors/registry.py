"""Predictor registry: name -> lazy factory, default encoding, cited defaults."""
from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass, field

from nasbench.errors import UnknownNameError, one_of

from predictors.base import Predictor, PredictorError


@dataclass(frozen=True)
class PredictorSpec:
    name: str
    factory: str  # "module:Class"
    description: str
    #: encodings to use, first one the space offers (see predictors.encodings.default_encoding)
    encodings: tuple[str, ...] = ("onehot",)
    defaults: dict = field(default_factory=dict)
    #: whether different random_state values give different models
    stochastic: bool = False
    #: whether predict_std is available
    has_std: bool = False
    #: Spearman the conformance suite requires on nb201/cifar10 valid_acc@200, 205 training archs
    spearman_floor: float = 0.5
    citation: str = ""
    #: an optional package the predictor needs (its extra), e.g. "torch"
    requires: str = ""


_REGISTRY: dict[str, PredictorSpec] = {}


def register(spec: PredictorSpec) -> PredictorSpec:
    if spec.name in _REGISTRY:
        raise ValueError(f"predictor '{spec.name}' is already registered")
    _REGISTRY[spec.name] = spec
    return spec


BUILTINS = [
    PredictorSpec("ridge", "predictors.models:RidgePredictor", "Bayesian ridge regression (scikit-learn)",
                  has_std=True, spearman_floor=0.5, citation="MacKay 1992; Tipping 2001 (sklearn BayesianRidge)"),
    PredictorSpec("rf", "predictors.models:RandomForestPredictor", "random forest, std over trees",
                  stochastic=True, has_std=True,
                  citation="Breiman 2001; defaults: tuned RF of White et al., NeurIPS 2021 (NASLib)"),
    PredictorSpec("gbt", "predictors.models:GBTPredictor",
                  "gradient-boosted trees (scikit-learn HistGradientBoostingRegressor)",
                  citation="Friedman 2001; Ke et al. (LightGBM), NeurIPS 2017 (histogram GBDT)"),
    PredictorSpec("gp", "predictors.models:GPPredictor", "exact GP, exponentiated-Hamming kernel, ML-II",
                  has_std=True, citation="Rasmussen & Williams 2006; Hamming kernel: Oh et al. (COMBO), NeurIPS 2019"),
    PredictorSpec("mlp-ensemble", "predictors.nets:MLPEnsemblePredictor", "ensemble of 5 MLPs (3 x 64), std across members",
                  stochastic=True, has_std=True, citation="Lakshminarayanan et al., NeurIPS 2017 (deep ensembles)",
                  requires="torch"),
    PredictorSpec("bananas-ensemble", "predictors.nets:BananasEnsemblePredictor",
                  "BANANAS meta neural net: 5 MLPs of 10 x 20 on the path encoding",
                  encodings=("path", "onehot"), stochastic=True, has_std=True,
                  citation="White, Neiswanger & Savani, BANANAS, AAAI 2021 (naszilla/bananas MetaNeuralnet defaults)",
                  requires="torch"),
    PredictorSpec("gcn", "predictors.nets:GCNPredictor", "bidirectional GCN on the cell graph (nb201: line graph)",
                  encodings=("graph",), stochastic=True,
                  citation="Kipf & Welling, ICLR 2017; Wen et al. (Neural Predictor), ECCV 2020", requires="torch"),
]


def predictor_names() -> list[str]:
    _ensure()
    return sorted(_REGISTRY)


def get_spec(name: str) -> PredictorSpec:
    _ensure()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownNameError(f"unknown predictor '{name}'; known: {one_of(predictor_names())}") from None


def check_available(name: str) -> PredictorSpec:
    """The spec of ``name``; PredictorError naming the extra to install when its package is absent."""
    spec = get_spec(name)
    if spec.requires and importlib.util.find_spec(spec.requires) is None:
        raise PredictorError(
            f"predictor '{name}' needs the optional package '{spec.requires}': "
            f"pip install 'nasbench-harness[{spec.requires}]' (CPU build: pip install torch==2.13.0 first)"
        )
    return spec


def predictor_class(name: str) -> type[Predictor]:
    module, cls = check_available(name).factory.split(":")
    return getattr(importlib.import_module(module), cls)


def make_predictor(name: str, random_state=None, **params) -> Predictor:
    """Build predictor ``name`` with its defaults overridden by ``params``."""
    spec = get_spec(name)
    cls = predictor_class(name)
    model = cls(random_state=random_state)
    allowed = set(model.get_params()) - {"random_state"}
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise PredictorError(f"predictor '{name}' has no parameter {one_of(unknown)}; it takes {one_of(sorted(allowed))}")
    return model.set_params(**{**spec.defaults, **params})


def _ensure() -> None:
    for spec in BUILTINS:
        if spec.name not in _REGISTRY:
            register(spec)
