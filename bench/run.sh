#!/usr/bin/env bash
# Benchmarks v6map beside its peers: a plain Python script for `generate`, and
# `xmllint --stream --dtdvalid` for `check`. Not part of the test suite.
#
# Usage: bench/run.sh [ROWS...]   (default: 250000 500000 1000000)
# Needs: python3, hyperfine, xmllint (Debian: hyperfine, libxml2-utils), GNU time.
# Writes its inputs and outputs under bench/data/, which git ignores.
set -euo pipefail
cd "$(dirname "$0")/.."
rows_list=("${@:-250000 500000 1000000}")
read -r -a rows_list <<<"${rows_list[*]}"

cargo build --release --quiet
v6map=target/release/v6map
data=bench/data
mkdir -p "$data"

echo "machine: $(uname -m), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)," \
  "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "versions: $($v6map --version), $(python3 --version), $(xmllint --version 2>&1 | head -n1)"

peak_mib() {
  # Runs a command and prints its peak resident memory in MiB.
  /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -n 1 | awk '{printf "%.1f", $1/1024}'
}

for rows in "${rows_list[@]}"; do
  inventory=$data/inventory-$rows.csv
  upload=$data/upload-$rows.xml
  body=$data/body-$rows.xml
  [ -f "$inventory" ] || python3 bench/make_inventory.py "$rows" "$inventory"
  "$v6map" generate "$inventory" -o "$upload" --force
  tail -n +2 "$upload" >"$body"
  echo
  echo "== $rows rows: inventory $(du -m "$inventory" | cut -f1) MiB, upload $(du -m "$upload" | cut -f1) MiB"

  hyperfine --warmup 1 --runs 5 --style basic --export-json "$data/generate-$rows.json" \
    -n v6map "$v6map generate $inventory -o $data/out-v6map.xml --force" \
    -n python "python3 bench/baseline.py $inventory $data/out-python.xml" 2>&1 | grep -E 'Time|±|faster'
  cmp "$data/out-v6map.xml" "$data/out-python.xml" && echo "outputs identical"

  hyperfine --warmup 1 --runs 5 --style basic --export-json "$data/check-$rows.json" \
    -n v6map-check "$v6map check $upload" \
    -n xmllint-stream "xmllint --stream --noout --dtdvalid schemas/ip_map_list.dtd $body" 2>&1 | grep -E 'Time|±|faster'

  echo "peak memory MiB: generate $(peak_mib "$v6map" generate "$inventory" -o "$data/out-v6map.xml" --force)," \
    "python $(peak_mib python3 bench/baseline.py "$inventory" "$data/out-python.xml")," \
    "check $(peak_mib "$v6map" check "$upload")," \
    "xmllint $(peak_mib xmllint --stream --noout --dtdvalid schemas/ip_map_list.dtd "$body")"
done
