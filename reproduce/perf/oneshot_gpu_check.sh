#!/usr/bin/env bash
# The one-shot checks that need a GPU, as one script (docs/oneshot.md):
#   1. NB201 supernet epoch time of DARTS and GDAS, float32 against bf16 mixed precision
#      (reproduce/perf/oneshot_epoch_time.py, synthetic CIFAR-shaped images);
#   2. the nbgraph-oneshot-gpu preset (5 seeds x 6 methods x Cora / CiteSeer, 200 epochs, real data)
#      with JOBS searches at once, stopped at DEADLINE seconds after the start (rerun to resume).
# Writes into OUT: gpu.txt, epoch_time.json, epoch_time.log, preset.log and preset.tgz (the preset's
# output folder: `tar xzf preset.tgz`, then `nasbench report nbgraph-oneshot-gpu` redraws it anywhere).
#
#   bash reproduce/perf/oneshot_gpu_check.sh OUT [DEADLINE_S] [JOBS] [PRESET]
set -u
OUT=${1:?usage: oneshot_gpu_check.sh OUT [DEADLINE_S] [JOBS] [PRESET]}
DEADLINE=${2:-420}
JOBS=${3:-12}
PRESET=${4:-nbgraph-oneshot-gpu}
PY=${PYTHON:-python3}
START=$(date +%s)
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1
mkdir -p "$OUT"
{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>&1; nproc; $PY -c "import torch, torch_geometric; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), 'pyg', torch_geometric.__version__)"; } > "$OUT/gpu.txt" 2>&1
cat "$OUT/gpu.txt"
echo "== 1. NB201 epoch time, fp32 vs bf16"
timeout 150 $PY reproduce/perf/oneshot_epoch_time.py --json "$OUT/epoch_time.json" ${EPOCH_TIME_ARGS:-} > "$OUT/epoch_time.log" 2>&1
echo "exit $?" >> "$OUT/epoch_time.log"
cat "$OUT/epoch_time.log"
LEFT=$(( DEADLINE - ($(date +%s) - START) ))
echo "== 2. $PRESET, $JOBS at once, ${LEFT} s left"
timeout --signal=INT --kill-after=20 "$LEFT" $PY -m reproduce.cli reproduce "$PRESET" --jobs "$JOBS" --out "$OUT/preset" > "$OUT/preset.log" 2>&1
echo "exit $?" >> "$OUT/preset.log"
tail -60 "$OUT/preset.log"
tar czf "$OUT/preset.tgz" -C "$OUT" preset && rm -rf "$OUT/preset"
ls -la "$OUT"
