#!/bin/bash
# Resubmit only the shards of OUT_DIR that have not finished (no shard
# manifest), then a merge that waits for them. Works without Slurm
# accounting: Edgecase's own shard manifests say what is done.
# Cancel the old merge job first (its dependency can no longer be met).
#
#   tools/slurm/resubmit.sh SWEEP.ron OUT_DIR MERGED_DIR N [extra sbatch args...]
# Prints "ARRAY_JOB_ID MERGE_JOB_ID", or "nothing to resubmit".
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
sweep=$1 out=$2 merged=$3 count=$4
shift 4
missing=()
for ((i = 0; i < count; i++)); do
    printf -v manifest '%s/shards/shard-%04d-of-%04d.json' "$out" "$i" "$count"
    [ -e "$manifest" ] || missing+=("$i")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "nothing to resubmit"
    exit 0
fi
list=$(IFS=,; echo "${missing[*]}")
array=$(sbatch --parsable "$@" --array="$list" "$here/sweep.sbatch" "$sweep" "$out" "$count")
array=${array%%;*}
merge=$(sbatch --parsable "$@" --dependency="afterok:$array" "$here/merge.sbatch" "$out" "$merged")
echo "$array ${merge%%;*}"
