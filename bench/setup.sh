#!/usr/bin/env bash
# What the benchmark project needs beyond the .NET SDK, on Debian (not installed by CI: the benchmarks are run by hand).
#   python3-optuna  Optuna 3.1, the reference for tpe-quality and tpe-quality-surrogate (run by /usr/bin/python3)
set -euo pipefail
if /usr/bin/python3 -c 'import optuna' 2>/dev/null; then
  echo "optuna $(/usr/bin/python3 -c 'import optuna; print(optuna.__version__)') is installed"
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-optuna
/usr/bin/python3 -c 'import optuna; print("optuna", optuna.__version__, "installed")'
