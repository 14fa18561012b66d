"""Predictor registry: name -> lazy factory, default encoding, cited defaults."""
from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass, field

from nasbench.errors import UnknownNameError, one_of, unknown_name_message
from nasbench.name_table import import_target
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
    """Registered predictor names.

    Returns
    -------
    list of str
        Sorted, including those whose optional extra (torch) is not installed.
    """
    _ensure()
    return sorted(_REGISTRY)


def get_spec(name: str) -> PredictorSpec:
    """The registry entry of a predictor.

    Parameters
    ----------
    name : str
        A registered name (:func:`predictor_names`).

    Returns
    -------
    PredictorSpec
        Its factory, encodings, cited defaults and whether it gives an uncertainty.

    Raises
    ------
    UnknownNameError
        No such predictor (the message suggests close names).
    """
    _ensure()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownNameError(unknown_name_message("predictor", name, predictor_names())) from None


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
    """The class registered as ``name`` (imports its module).

    Parameters
    ----------
    name : str
        A registered predictor name (:func:`predictor_names`).

    Returns
    -------
    type
        The :class:`~predictors.base.Predictor` subclass.

    Raises
    ------
    UnknownNameError
        No such predictor (the message suggests close names).
    PredictorError
        Its optional extra (torch) is not installed.
    """
    return import_target(check_available(name).factory)


def make_predictor(name: str, random_state=None, **params) -> Predictor:
    """Build a registered predictor with its cited defaults, overridden by ``params``.

    Parameters
    ----------
    name : str
        A registered name (:func:`predictor_names`): ``ridge``, ``rf``, ``gbt``, ``gp``,
        ``mlp-ensemble``, ``bananas-ensemble``, ``gcn``.
    random_state : int or numpy.random.SeedSequence, optional
        Seed of every random choice of the model (scikit-learn convention).
    **params
        Constructor parameters to override (``get_spec(name).defaults`` lists the defaults).

    Returns
    -------
    Predictor
        An unfitted predictor.

    Raises
    ------
    UnknownNameError
        No such predictor (the message suggests close names).
    PredictorError
        An unknown parameter, or the predictor's optional extra is not installed.
    """
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
