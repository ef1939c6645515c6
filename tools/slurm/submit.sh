#!/bin/bash
# Submit a sweep as a Slurm array of N shards and a merge that runs when all
# of them succeeded. Prints "ARRAY_JOB_ID MERGE_JOB_ID".
#
#   tools/slurm/submit.sh SWEEP.ron OUT_DIR MERGED_DIR N [extra sbatch args...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
sweep=$1 out=$2 merged=$3 count=$4
shift 4
array=$(sbatch --parsable "$@" --array="0-$((count - 1))" "$here/sweep.sbatch" "$sweep" "$out" "$count")
array=${array%%;*}
merge=$(sbatch --parsable "$@" --dependency="afterok:$array" "$here/merge.sbatch" "$out" "$merged")
echo "$array ${merge%%;*}"
