"""One experiment = one configuration: what groups runs in every table, curve and analysis.

A result file carries its whole configuration (benchmark, strategy and its hyperparameters,
signal, noise, budget, workers, constraint or objectives, and any kind-specific field such as a
one-shot run's epochs), and :meth:`strategies.runner.RunSpec.config_key` hashes it, seed
excluded. Reports put each configuration in its own row and curve:

* a *row* is a configuration less its benchmark (the same strategy settings run on several
  benchmarks fill one row across the benchmark columns); :func:`row_identity` gives it;
* a row's *label* is the strategy's display name plus the fields in which rows of that strategy
  differ (``"rs, budget 50q"`` / ``"rs, budget 100q"``; ``"re, population_size=20"``):
  :func:`row_labels`;
* within a row and a benchmark a seed counts once (:func:`check_unique_seeds`).

The row identity uses the configuration as the user asked for it (``signal`` None = the
benchmark's default), so one preset row spans benchmarks whose resolved signals differ; the
protocol notes state the resolved values per benchmark.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from nasbench.errors import NasbenchError

#: result-file fields that are not part of a configuration
NOT_CONFIG = frozenset({"format", "seed", "config_key", "protocol", "stopped", "n_steps", "dtypes", "columns",
                        "benchmark"})
#: how a differing field is named in a label (others: "field value")
FIELD_NAMES = {"budget": "budget", "signal": "signal", "noise": "noise", "workers": "workers",
               "constraint": "constraint", "objectives": "objectives", "allow_test_signal": "test signal",
               "epochs": "epochs", "device": "device"}


class MixedConfigurationsError(NasbenchError):
    """A results folder holds configurations that one table cannot hold together."""


def config_fields(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The configuration of a result document less its benchmark and seed (unset optional fields,
    ``None``/``False``, dropped so that files of older versions compare equal).

    Parameters
    ----------
    doc : mapping
        A result document (or its spec fields).

    Returns
    -------
    dict
        Its fields less :data:`NOT_CONFIG` and those that are None or False; ``hyperparameters``
        is always present (``{}`` when absent).
    """
    out = {}
    for key, value in doc.items():
        if key in NOT_CONFIG or value is None or value is False:
            continue
        out[key] = value
    out.setdefault("hyperparameters", {})
    return out


def row_identity(doc: Mapping[str, Any]) -> str:
    """A stable text key of the row a result belongs to (its configuration less the benchmark).

    Parameters
    ----------
    doc : mapping
        A result document.

    Returns
    -------
    str
        JSON of :func:`config_fields` with sorted keys (equal for the runs of one row).
    """
    return json.dumps(config_fields(doc), sort_keys=True, default=str)


def _value_text(key: str, value: Any) -> str:
    if isinstance(value, (list, tuple)):
        value = ",".join(map(str, value))
    if key == "workers":
        return f"{value} workers"
    if key == "allow_test_signal":
        return "searched on test"
    return f"{FIELD_NAMES.get(key, key)} {value}"


#: the names tables and legends show (as the papers and the shipped presets write them)
DISPLAY_NAMES = {
    "rs": "RS", "grid": "Grid", "re": "RE", "ls": "LS", "reinforce": "REINFORCE", "rl-controller": "RL controller",
    "optuna-tpe": "TPE (Optuna)", "optuna-random": "Random (Optuna)", "bananas": "BANANAS", "bo-gp": "BO-GP",
    "npenas": "NPENAS", "sh": "SH", "hb": "HB", "asha": "ASHA", "bohb": "BOHB", "mo-rs": "MO-RS", "nsga2": "NSGA-II",
    "mo-re": "MO-RE", "parego": "ParEGO", "darts": "DARTS", "darts-2nd": "DARTS (2nd order)", "gdas": "GDAS",
    "drnas": "DrNAS", "latency-darts": "latency-aware DARTS", "enas": "ENAS", "rsps": "RSPS", "spos": "SPOS",
}


def display_name(strategy: str) -> str:
    """The name tables and legends show for a strategy (``RE`` for ``re``; a custom strategy
    ``MODULE:CLASS`` by its class name).

    Parameters
    ----------
    strategy : str
        A registered strategy name or ``MODULE:CLASS``.

    Returns
    -------
    str
        Its :data:`DISPLAY_NAMES` entry, else the part after the last ``:``.
    """
    if strategy in DISPLAY_NAMES:
        return DISPLAY_NAMES[strategy]
    return strategy.rpartition(":")[2] or strategy


def row_labels(rows: Sequence[Mapping[str, Any]], *, display: Mapping[str, str] | None = None) -> list[str]:
    """A label per row (configuration less benchmark): the strategy's display name, then the
    fields in which the rows of the same strategy differ; ``display`` overrides names
    (``--label STRATEGY=TEXT``). Labels are unique (a last resort appends the row's number).

    Parameters
    ----------
    rows : sequence of mapping
        The rows' configurations (:func:`config_fields`), each with a ``strategy``.
    display : mapping of str to str, optional
        ``{strategy: name}`` replacing :func:`display_name`; None (default) uses no override.

    Returns
    -------
    list of str
        One unique label per row, in the order of ``rows``.
    """
    display = dict(display or {})
    by_strategy: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        by_strategy.setdefault(str(row["strategy"]), []).append(i)
    labels = [""] * len(rows)
    for strategy, members in by_strategy.items():
        name = display.get(strategy, display_name(strategy))
        if len(members) == 1:
            labels[members[0]] = name
            continue
        keys = sorted({k for i in members for k in rows[i]} - {"strategy"})
        parts: dict[int, list[str]] = {i: [] for i in members}
        for key in keys:
            values = [rows[i].get(key) for i in members]
            if all(v == values[0] for v in values):
                continue
            if key == "hyperparameters":
                hp_keys = sorted({h for i in members for h in (rows[i].get(key) or {})})
                for h in hp_keys:
                    hv = [(rows[i].get(key) or {}).get(h, "default") for i in members]
                    if any(v != hv[0] for v in hv):
                        for i, v in zip(members, hv):
                            parts[i].append(f"{h}={v}")
            else:
                for i, v in zip(members, values):
                    parts[i].append(_value_text(key, v) if v is not None else f"{FIELD_NAMES.get(key, key)} default")
        for i in members:
            labels[i] = ", ".join([name, *parts[i]])
    seen: dict[str, int] = {}
    for i, label in enumerate(labels):
        if label in seen:
            labels[i] = f"{label} #{i + 1}"
        seen[labels[i]] = i
    return labels


def check_unique_seeds(entries: Iterable[tuple[str, str, int, Path]]) -> None:
    """``(row label, benchmark, seed, file)`` entries: raise when a seed appears twice in one row
    and benchmark (naming both files); a seed counts once within a configuration.

    Parameters
    ----------
    entries : iterable of tuple of (str, str, int, pathlib.Path)
        ``(row label, benchmark, seed, file)`` of each run.

    Raises
    ------
    MixedConfigurationsError
        A seed appears twice for one row and benchmark (every clash is named).
    """
    owner: dict[tuple[str, str, int], Path] = {}
    clashes = []
    for label, bench, seed, path in entries:
        key = (label, bench, int(seed))
        if key in owner:
            clashes.append(f"seed {seed} of '{label}' on {bench} is in both {owner[key]} and {path}")
        else:
            owner[key] = path
    if clashes:
        raise MixedConfigurationsError(
            "a seed may count once within a configuration: " + "; ".join(clashes)
            + ". Remove the copy (or rerun into a fresh --out folder)")


def parse_select(items: Sequence[str] | None) -> dict[str, str]:
    """``--select FIELD=VALUE`` items -> {field: value} (fields: strategy, budget, signal, noise,
    workers, constraint, benchmark, or a hyperparameter name).

    Parameters
    ----------
    items : sequence of str, optional
        ``FIELD=VALUE`` texts; None or empty selects everything.

    Returns
    -------
    dict of str to str
        Field -> value, both stripped (a later item for the same field wins).

    Raises
    ------
    NasbenchError
        An item has no ``=`` or an empty field.
    """
    out = {}
    for item in items or ():
        key, eq, value = str(item).partition("=")
        if not eq or not key.strip():
            raise NasbenchError(f"bad --select '{item}'; use FIELD=VALUE, e.g. budget=100q, strategy=re or "
                                "population_size=20")
        out[key.strip()] = value.strip()
    return out


def _matches(doc: Mapping[str, Any], key: str, value: str) -> bool:
    if key == "benchmark":
        return str(doc.get("benchmark")) == value
    fields = config_fields(doc)
    if key in fields and key != "hyperparameters":
        return str(fields[key]) == value
    protocol_hps = (doc.get("protocol") or {}).get("hyperparameters") or {}
    hps = {**protocol_hps, **(fields.get("hyperparameters") or {})}
    if key in hps:
        return json.dumps(hps[key]) == value or str(hps[key]) == value
    return False


def select_docs(docs: Sequence[dict], select: Mapping[str, str], where: str) -> list[int]:
    """Indices of the documents matching every ``select`` condition; an error when none match
    (listing the values each field takes).

    Parameters
    ----------
    docs : sequence of dict
        Result documents.
    select : mapping of str to str
        Field -> value conditions (:func:`parse_select`); empty keeps every document.
    where : str
        The folder, for the message.

    Returns
    -------
    list of int
        Indices into ``docs``, ascending.

    Raises
    ------
    NasbenchError
        ``select`` is not empty and matches no document.
    """
    keep = [i for i, d in enumerate(docs) if all(_matches(d, k, v) for k, v in select.items())]
    if select and not keep:
        seen: dict[str, set] = {}
        for d in docs:
            for k in select:
                f = config_fields(d)
                v = (d.get("benchmark") if k == "benchmark"
                     else f.get(k, ((d.get("protocol") or {}).get("hyperparameters") or {}).get(k)))
                seen.setdefault(k, set()).add(str(v))
        allowed = "; ".join(f"{k}: {', '.join(sorted(v))}" for k, v in seen.items())
        raise NasbenchError(f"--select {' '.join(f'{k}={v}' for k, v in select.items())} matches no run in {where}; "
                            f"the runs have {allowed}")
    return keep


def describe_configs(rows: Sequence[Mapping[str, Any]], labels: Sequence[str], counts: Sequence[int]) -> str:
    """One line per configuration (label: fields, runs) for an error message.

    Parameters
    ----------
    rows : sequence of mapping
        The configurations (:func:`config_fields`).
    labels : sequence of str
        Each row's label.
    counts : sequence of int
        Each row's number of runs.

    Returns
    -------
    str
        ``'label' (field=value, ...; N run(s))`` per row, joined by ``"; "``.
    """
    out = []
    for row, label, n in zip(rows, labels, counts):
        fields = ", ".join(f"{k}={json.dumps(v, sort_keys=True) if isinstance(v, (dict, list)) else v}"
                           for k, v in sorted(row.items()))
        out.append(f"'{label}' ({fields}; {n} run(s))")
    return "; ".join(out)


__all__ = ["DISPLAY_NAMES", "FIELD_NAMES", "MixedConfigurationsError", "check_unique_seeds", "config_fields", "describe_configs",
           "display_name", "parse_select", "row_identity", "row_labels", "select_docs"]
