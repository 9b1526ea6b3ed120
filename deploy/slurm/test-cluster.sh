#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for the tests of deploy/slurm/clusterml.sbatch (and for trying the script by
# hand). Debian 12: slurm-wlm and munge are installed with apt-get when missing.
#
#   deploy/slurm/test-cluster.sh start [DIR]   # configuration, state and logs in DIR (default /tmp/clusterml-slurm)
#   deploy/slurm/test-cluster.sh stop [DIR]    # stops the daemons started by start (by their pid files)
#
# Needs root: slurmd runs jobs as their user, and munged needs its own user. The node is this machine (hostname -s) with
# CPUs=2 and one partition, `debug`. The daemons read the configuration from DIR/slurm.conf; clients (sbatch, squeue, ...)
# find it through SLURM_CONF, which start prints as `export SLURM_CONF=DIR/slurm.conf` on its last line.
# Exit codes: 0 done; 1 the cluster did not come up (the logs in DIR say why); 3 it cannot be set up here (not root, no
# apt-get), which the tests take as "skip".
set -euo pipefail

action=${1:-}
dir=${2:-/tmp/clusterml-slurm}

cannot() {
  echo "test-cluster: cannot set up Slurm here: $*" >&2
  exit 3
}

fail() {
  echo "test-cluster: $*" >&2
  exit 1
}

install_packages() {
  if command -v slurmctld >/dev/null 2>&1 && command -v slurmd >/dev/null 2>&1 && command -v munged >/dev/null 2>&1; then
    return 0
  fi
  command -v apt-get >/dev/null 2>&1 || cannot "slurm-wlm and munge are not installed and there is no apt-get"
  echo "test-cluster: installing Debian's slurm-wlm and munge" >&2
  if ! (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null); then
    cannot "apt-get install slurm-wlm munge failed"
  fi
}

# Waits up to $1 seconds for the command after it to succeed.
wait_for() {
  local seconds=$1
  shift
  local i
  for ((i = 0; i < seconds * 2; i++)); do
    if "$@" >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.5
  done
  return 1
}

start_munge() {
  # munged refuses folders owned by anyone but its own user; the package leaves some to root.
  mkdir -p /run/munge
  chown munge:munge /run/munge
  chown -R munge:munge /var/log/munge /var/lib/munge /etc/munge
  if [ ! -s /etc/munge/munge.key ]; then
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
    chown munge:munge /etc/munge/munge.key
    chmod 0400 /etc/munge/munge.key
  fi
  # One munged serves every Slurm daemon on the machine: start it only if none answers.
  if ! sh -c "munge -n </dev/null | unmunge" >/dev/null 2>&1; then
    su -s /bin/sh munge -c munged
    wait_for 20 sh -c 'munge -n </dev/null | unmunge' || fail "munged did not start (see /var/log/munge/munged.log)"
  fi
}

write_config() {
  local host
  host=$(hostname -s)
  mkdir -p "$dir/state" "$dir/spool" "$dir/log"
  cat >"$dir/slurm.conf" <<CONF
# Written by deploy/slurm/test-cluster.sh: a one-node cluster for tests.
ClusterName=clusterml-test
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
KillWait=10
SchedulerType=sched/backfill
NodeName=$host CPUs=2 State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
}

running() {
  local pidfile=$1
  [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

start() {
  [ "$(id -u)" = 0 ] || cannot "it needs root (slurmd runs the jobs, munged its own user)"
  install_packages
  start_munge
  if running "$dir/slurmctld.pid" && running "$dir/slurmd.pid"; then
    echo "test-cluster: already running in $dir" >&2
  else
    stop_daemons
    write_config
    export SLURM_CONF="$dir/slurm.conf"
    slurmctld -f "$SLURM_CONF" || fail "slurmctld did not start (see $dir/log/slurmctld.log)"
    wait_for 30 scontrol ping || fail "slurmctld does not answer (see $dir/log/slurmctld.log)"
    slurmd -f "$SLURM_CONF" || fail "slurmd did not start (see $dir/log/slurmd.log)"
  fi
  export SLURM_CONF="$dir/slurm.conf"
  # The node is idle once slurmd has registered; a node left down or drained by an earlier run is resumed.
  local host
  host=$(hostname -s)
  local i state=""
  for ((i = 0; i < 60; i++)); do
    state=$(sinfo -h -n "$host" -o '%t' 2>/dev/null | head -n 1)
    case $state in
      idle) break ;;
      down* | drain* | fail*) scontrol update NodeName="$host" State=RESUME >/dev/null 2>&1 || true ;;
    esac
    sleep 0.5
  done
  [ "$state" = idle ] || fail "node $host is '$state', not idle, after 30 s (see $dir/log/slurmd.log)"
  echo "test-cluster: node $host idle, partition debug" >&2
  echo "export SLURM_CONF=$SLURM_CONF"
}

# Stops slurmd and slurmctld by their pid files (SIGTERM, then SIGKILL after 10 s). munged stays: it may serve others.
stop_daemons() {
  local name pidfile pid
  for name in slurmd slurmctld; do
    pidfile="$dir/$name.pid"
    [ -s "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      wait_for 10 sh -c "! kill -0 $pid" || kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
  done
}

case $action in
  start) start ;;
  stop) stop_daemons ;;
  *)
    echo "usage: $0 start|stop [DIR]" >&2
    exit 2
    ;;
esac
