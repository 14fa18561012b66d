"""Epoch time of DARTS and GDAS on the NB201 supernet: float32 against bf16 mixed precision.

The search step of the harness's own methods (``strategies.oneshot``: one architecture step on a
search-valid batch, then one weight step on a search-train batch) on the full NB201 supernet
(C=16, N=5, 10 classes; 6 edges x 5 operations) with CIFAR-shaped synthetic images (batch 64,
3x32x32, the NB201 one-shot setting), resident on the device. After ``--warmup`` steps it times
``--steps`` steps and reports ms/step and the epoch time, i.e. ms/step x 391 steps (the 25,000
images of NB201's search-train half at batch 64; synthetic images cost what real ones do, no
data loading is timed). Precision: ``fp32`` (torch's defaults: cuDNN may use TF32 for
convolutions on Ampere and later) and ``bf16`` (the methods' ``precision='bf16'``: autocast).

    python reproduce/perf/oneshot_epoch_time.py                        # a GPU: under a minute
    python reproduce/perf/oneshot_epoch_time.py --device cpu --steps 3 --warmup 1 --C 8 --N 1
    python reproduce/perf/oneshot_epoch_time.py --json out.json

Prints a table and one JSON line. On CUDA the bf16 epoch must not be slower than fp32's.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from reproduce.perf._targets import check, finish  # noqa: E402

STEPS_PER_EPOCH = 25_000 // 64 + 1  # NB201 search-train half at batch 64 (391)


def _sync(dev: torch.device) -> None:
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)


def time_method(method_name: str, precision: str, dev: torch.device, *, steps: int, warmup: int,
                C: int, N: int, batch: int) -> dict:
    """ms per search step of ``method_name`` at ``precision`` (module docstring)."""
    from reproduce.kinds.oneshot_runs import to_device
    from strategies.oneshot.data import load_oneshot_data
    from strategies.oneshot.registry import get_method
    from strategies.oneshot.supernet import build_supernet

    # the synthetic training images are halved into search-train / search-valid
    data = load_oneshot_data("nb201/cifar10", synthetic=True, synthetic_size=2 * batch * (steps + warmup),
                             batch_size=batch)
    net = build_supernet("nb201/cifar10", data, seed=0, C=C, N=N)
    data = to_device(net, data, dev)
    method = get_method(method_name, precision=precision)
    torch.manual_seed(0)
    net.set_bn_mode(method.settings["bn_mode"])
    method.setup(net, data)
    method.before_epoch(0, 1)
    net.train()
    if dev.type == "cuda":
        torch.cuda.reset_peak_memory_stats(dev)
    batches = list(data.batches("search-train"))
    valid = data.cycle("search-valid")
    times = []
    for i, b in enumerate(batches[:steps + warmup]):
        _sync(dev)
        t = time.perf_counter()
        method.arch_step(net, data, b, next(valid))
        loss = method.weight_step(net, data, b)
        _sync(dev)
        if i >= warmup:
            times.append(time.perf_counter() - t)
    ms = 1000 * sum(times) / len(times)
    return {"method": method_name, "precision": precision, "ms_per_step": ms,
            "epoch_s": ms * STEPS_PER_EPOCH / 1000, "steps_timed": len(times), "last_loss": loss,
            "peak_mem_mib": torch.cuda.max_memory_allocated(dev) / 2**20 if dev.type == "cuda" else None}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--C", type=int, default=16)
    ap.add_argument("--N", type=int, default=5)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--methods", default="darts,gdas")
    ap.add_argument("--json", help="also write the rows to this file")
    args = ap.parse_args(argv)
    from nasbench.live.trainer import device_name

    dev = torch.device(args.device)
    if dev.type == "cpu":
        torch.set_num_threads(1)
    name = device_name(dev)
    print(f"NB201 supernet C={args.C} N={args.N}, batch {args.batch}, {args.steps} timed steps after "
          f"{args.warmup}; {name}; torch {torch.__version__}")
    rows = []
    for m in args.methods.split(","):
        for p in ("fp32", "bf16"):
            r = time_method(m, p, dev, steps=args.steps, warmup=args.warmup, C=args.C, N=args.N, batch=args.batch)
            rows.append(r)
            mem = f"{r['peak_mem_mib']:.0f} MiB" if r["peak_mem_mib"] is not None else "-"
            print(f"  {m:6s} {p:5s} {r['ms_per_step']:8.2f} ms/step  epoch ({STEPS_PER_EPOCH} steps) "
                  f"{r['epoch_s']:7.1f} s  peak {mem}  loss {r['last_loss']:.3f}")
        fp32, bf16 = rows[-2], rows[-1]
        speedup = fp32["ms_per_step"] / bf16["ms_per_step"]
        verdict = check(f"{m} bf16 speed-up", speedup, 1.0, "x", higher_is_better=True) if dev.type == "cuda" \
            else "(no target on CPU: bf16 autocast is emulated there)"
        print(f"  {m}: bf16 / fp32 speed-up {speedup:.2f}x {verdict}")
    doc = {"device": name, "torch": torch.__version__, "C": args.C, "N": args.N, "batch": args.batch, "rows": rows}
    print(json.dumps(doc))
    if args.json:
        Path(args.json).write_text(json.dumps(doc, indent=1))
    finish()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
