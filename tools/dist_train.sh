#!/usr/bin/env bash
# mmdet's tools/dist_train.sh location: the same launcher as the top-level dist_train.sh.
#
#   bash tools/dist_train.sh CONFIG NUM_PROCESSES [tools/train.py options...]
exec bash "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/../dist_train.sh" "$@"
