"""Performance predictors with the scikit-learn contract (see predictors.base)."""
from predictors.base import Predictor, PredictorError, PredictorNotFittedError
from predictors.encodings import ArchEncoder, default_encoding, encoding_kinds
from predictors.registry import get_spec, make_predictor, predictor_names

__all__ = ["ArchEncoder", "Predictor", "PredictorError", "PredictorNotFittedError", "default_encoding",
           "encoding_kinds", "get_spec", "make_predictor", "predictor_names"]
