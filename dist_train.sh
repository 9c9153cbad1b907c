#!/usr/bin/env bash
# Distributed training with torchrun: one process per GPU (or per CPU worker when there is no GPU).
#
#   bash dist_train.sh CONFIG NUM_PROCESSES [tools/train.py options...]
#
# Multi-node: run the same command on every node with NNODES, NODE_RANK, MASTER_ADDR (and PORT) set.
set -euo pipefail
if [ $# -lt 2 ]; then
    echo "usage: bash $0 CONFIG NUM_PROCESSES [train.py options]" >&2
    exit 2
fi
CONFIG=$1
NPROC=$2
shift 2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-127.0.0.1}
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TRAIN="$ROOT/tools/train.py"
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
exec python -m torch.distributed.run \
    --nnodes="$NNODES" --node_rank="$NODE_RANK" --master_addr="$MASTER_ADDR" --master_port="$PORT" \
    --nproc_per_node="$NPROC" \
    "$TRAIN" "$CONFIG" --seed 0 --launcher pytorch "$@"
