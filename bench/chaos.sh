#!/usr/bin/env bash
# Chaos on loopback (issue 13 item 6): kills random workers and the coordinator of a running campaign for MINUTES
# (default 10) with choices drawn from SEED (default 1), then prints trials planned, recorded, recorded twice, run more
# than once and lost. Exits non-zero if a trial was lost or recorded twice or the last campaign did not finish.
#   bench/chaos.sh [MINUTES] [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
exec dotnet run -c Release --project bench/ClusterML.Benchmarks -- chaos "${1:-10}" "${2:-1}"
