"""NB201 training throughput on the live backend: fp32 vs AMP + channels_last.

Self-contained: needs torch and this repository only (no data set, no network). Builds a few
NAS-Bench-201 networks (C=16, N=5, 10 classes), trains them on CIFAR-shaped synthetic
batches (batch 256, 3x32x32) resident on the device with NB201's optimiser (SGD, momentum 0.9,
Nesterov, weight decay 5e-4), and after ``--warmup`` steps times ``--steps`` optimiser steps.
Modes: ``fp32`` (NCHW, TF32 off), ``tf32`` (NCHW, TF32 matmul/conv on), ``amp`` (autocast
bf16 -- or fp16 + GradScaler where bf16 is unsupported -- with channels_last). Then, if the
``nasbench`` package imports, one row through ``nasbench.live.train`` itself (uint8 data on
the host, NB201 augmentation, per-batch transfer) to show the harness's end-to-end rate.

    python reproduce/perf/gpu_throughput.py                    # GPU: about a minute
    python reproduce/perf/gpu_throughput.py --device cpu --steps 3 --warmup 1
    python reproduce/perf/gpu_throughput.py --json out.json

Prints a table (images/s, ms/step, peak GPU memory) and one JSON line.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import math
import platform
import sys
import time
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[2]

ARCHS = {
    # CIFAR-10 optimum of NAS-Bench-201 (best validation; test 94.37)
    "best": "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|",
    # a mid-sized cell (mixed 1x1/3x3 convs, pooling, skips)
    "mid": "|nor_conv_1x1~0|+|skip_connect~0|nor_conv_3x3~1|+|avg_pool_3x3~0|nor_conv_1x1~1|skip_connect~2|",
    # the largest cell: every edge a 3x3 convolution
    "all_3x3": "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|",
}


def _torch_only_module(name: str):
    """``nasbench.live.<name>`` (a torch-only module); loaded by path if the package won't import."""
    try:
        return importlib.import_module(f"nasbench.live.{name}")
    except Exception:  # noqa: BLE001 - any import failure (e.g. numpy/h5py absent on a bare machine) -> by path
        path = REPO / "nasbench" / "live" / (name.replace(".", "/") + ".py")
        spec = importlib.util.spec_from_file_location(f"live_{name.replace('.', '_')}", path)
        assert spec is not None and spec.loader is not None, path
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod


def _nb201_module():
    """``nasbench.live.models.nb201`` (torch-only); loaded by path if the package won't import."""
    return _torch_only_module("models.nb201")


def _sync(dev: torch.device) -> None:
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)


def bench_step(nb201, arch: str, mode: str, dev: torch.device, batch: int, warmup: int,
               steps: int, seed: int = 0) -> dict:
    cuda = dev.type == "cuda"
    amp_dtype = None
    channels_last = False
    if mode == "amp":
        if cuda:
            amp_dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
            channels_last = True
        else:  # CPU: autocast bf16 works but is not what the trainer does; keep fp32
            amp_dtype = None
    if cuda:
        tf32 = mode in ("tf32", "amp")
        torch.backends.cuda.matmul.allow_tf32 = tf32
        torch.backends.cudnn.allow_tf32 = tf32
        torch.backends.cudnn.benchmark = True
    g = torch.Generator(device="cpu").manual_seed(seed)
    with torch.random.fork_rng(devices=[dev.index or 0] if cuda else []):
        torch.manual_seed(seed)
        model = nb201.build_from_ops(nb201.parse_arch_str(ARCHS[arch]), num_classes=10).to(dev)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4)
    amp = _torch_only_module("amp")
    scaler = amp.grad_scaler(amp_dtype)
    n_batches = 4
    xs = torch.randn(n_batches, batch, 3, 32, 32, generator=g).to(dev)
    ys = torch.randint(0, 10, (n_batches, batch), generator=g).to(dev)
    if channels_last:
        xs = torch.stack([x.contiguous(memory_format=torch.channels_last) for x in xs])
    model.train()
    if cuda:
        torch.cuda.reset_peak_memory_stats(dev)

    def step(i: int) -> torch.Tensor:
        x = xs[i % n_batches]
        if channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        _, loss = amp.train_step(model, x, ys[i % n_batches], opt, amp_dtype=amp_dtype, scaler=scaler)
        return loss

    for i in range(warmup):
        step(i)
    _sync(dev)
    t0 = time.perf_counter()
    for i in range(steps):
        loss = step(i)
    _sync(dev)
    dt = time.perf_counter() - t0
    return {
        "arch": arch, "mode": mode, "path": "step",
        "amp_dtype": str(amp_dtype).replace("torch.", "") if amp_dtype else None,
        "channels_last": channels_last, "batch": batch, "steps": steps,
        "images_per_s": batch * steps / dt, "ms_per_step": 1000 * dt / steps,
        "peak_mem_gib": torch.cuda.max_memory_allocated(dev) / 2**30 if cuda else None,
        "final_loss": float(loss.detach()), "finite": math.isfinite(float(loss.detach())),
        "params_m": sum(p.numel() for p in model.parameters()) / 1e6,
    }


def bench_trainer(arch: str, dev: torch.device, batch: int, steps: int, amp: bool) -> dict | None:
    """End-to-end through nasbench.live.train (host uint8 data, augmentation, transfers)."""
    try:
        from nasbench.live import Recipe, synthetic_images, train
        from nasbench.live.models import nb201
    except Exception as exc:  # noqa: BLE001
        print(f"[trainer row skipped: nasbench.live does not import here: {exc}]", file=sys.stderr)
        return None
    n = batch * steps
    data = synthetic_images(n, 10, seed=0, n_valid=0, n_test=0)
    data.augment = True
    with torch.random.fork_rng(devices=[dev.index or 0] if dev.type == "cuda" else []):
        torch.manual_seed(0)
        model = nb201.build_from_ops(nb201.parse_arch_str(ARCHS[arch]), num_classes=10)
    recipe = Recipe(epochs=2, lr=0.1, batch_size=batch)
    res = train(model, data, recipe, device=str(dev), amp=amp, channels_last=amp, seed=0)
    if not res.ok:
        return {"arch": arch, "mode": "amp" if amp else "fp32", "path": "trainer", "error": res.reason}
    sec = res.epochs[-1].seconds  # second epoch: after cuDNN autotuning / allocator warm-up
    return {"arch": arch, "mode": "amp" if amp else "fp32", "path": "trainer",
            "amp_dtype": res.amp, "channels_last": res.channels_last, "batch": batch,
            "steps": steps, "images_per_s": n / sec, "ms_per_step": 1000 * sec / steps,
            "peak_mem_gib": None, "final_loss": res.epochs[-1].train_loss,
            "finite": math.isfinite(res.epochs[-1].train_loss), "params_m": None}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--device", default="auto", help="auto | cuda | cuda:N | cpu")
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--warmup", type=int, default=15)
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--archs", default=",".join(ARCHS), help=f"comma list of {', '.join(ARCHS)}")
    ap.add_argument("--modes", default="fp32,tf32,amp")
    ap.add_argument("--no-trainer", action="store_true", help="skip the nasbench.live.train rows")
    ap.add_argument("--json", default=None, help="also write the rows to this JSON file")
    args = ap.parse_args(argv)

    if args.device == "auto":
        dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    else:
        dev = torch.device(args.device)
    name = torch.cuda.get_device_name(dev) if dev.type == "cuda" else platform.processor() or "cpu"
    header = {
        "device": str(dev), "device_name": name, "torch": torch.__version__,
        "cuda": torch.version.cuda, "cudnn": torch.backends.cudnn.version() if dev.type == "cuda" else None,
        "bf16_supported": bool(dev.type == "cuda" and torch.cuda.is_bf16_supported()),
        "python": platform.python_version(), "batch": args.batch, "warmup": args.warmup,
        "steps": args.steps,
    }
    print(" ".join(f"{k}={v}" for k, v in header.items()), flush=True)
    nb201 = _nb201_module()
    rows = []
    t_all = time.perf_counter()
    for arch in args.archs.split(","):
        for mode in args.modes.split(","):
            try:
                rows.append(bench_step(nb201, arch, mode, dev, args.batch, args.warmup, args.steps))
            except Exception as exc:  # noqa: BLE001 - report and go on (e.g. OOM)
                rows.append({"arch": arch, "mode": mode, "path": "step", "error": repr(exc)})
            r = rows[-1]
            print(f"  done {arch:8s} {mode:5s} {r.get('images_per_s', float('nan')):10.0f} img/s", flush=True)
            if dev.type == "cuda":
                torch.cuda.empty_cache()
    if not args.no_trainer:
        arch0 = args.archs.split(",")[0]
        for amp in (False, True):
            try:
                row = bench_trainer(arch0, dev, args.batch, max(args.steps, 2), amp)
            except Exception as exc:  # noqa: BLE001 - a failed row is reported, the script goes on
                row = {"arch": arch0, "mode": "amp" if amp else "fp32", "path": "trainer", "error": repr(exc)}
            if row is not None:
                rows.append(row)
    total = time.perf_counter() - t_all

    print()
    print(f"NB201 training throughput on {name} ({dev}), torch {torch.__version__}, "
          f"batch {args.batch}, 32x32, {args.steps} timed steps after {args.warmup} warm-up")
    print(f"{'arch':8s} {'path':7s} {'mode':5s} {'dtype':9s} {'ch_last':7s} {'params M':>8s} "
          f"{'img/s':>10s} {'ms/step':>8s} {'peak GiB':>8s} {'x fp32':>7s}")
    base = {r["arch"]: r["images_per_s"] for r in rows
            if r.get("mode") == "fp32" and r.get("path") == "step" and "images_per_s" in r}
    for r in rows:
        if "error" in r:
            print(f"{r['arch']:8s} {r['path']:7s} {r['mode']:5s} ERROR {r['error']}")
            continue
        speed = r["images_per_s"] / base[r["arch"]] if r["arch"] in base else float("nan")
        peak = f"{r['peak_mem_gib']:.2f}" if r["peak_mem_gib"] is not None else "-"
        params = f"{r['params_m']:.3f}" if r["params_m"] is not None else "-"
        print(f"{r['arch']:8s} {r['path']:7s} {r['mode']:5s} {str(r['amp_dtype'] or 'float32'):9s} "
              f"{str(r['channels_last']):7s} {params:>8s} {r['images_per_s']:10.0f} "
              f"{r['ms_per_step']:8.2f} {peak:>8s} {speed:7.2f}")
    print(f"total wall time {total:.1f} s")
    out = {"header": header, "rows": rows, "total_seconds": total}
    print("JSON " + json.dumps(out))
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2))
    return 0 if all("error" not in r and r.get("finite", True) for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
