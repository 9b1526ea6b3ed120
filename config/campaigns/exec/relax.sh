#!/usr/bin/env bash
# Steepest-descent relaxation of a Lennard-Jones dimer (reduced units: sigma = epsilon = 1), as an exec-engine trial.
# Usage: relax.sh STEP R0 [STEPS]. Moves the separation r along the force, r <- r + STEP * F(r), and prints
# `clusterml-metric loss=E-E_min r=... force=... step=N` each step (E_min = -1 at r = 2^(1/6)); writes trajectory.csv.
# Too large a STEP overshoots and oscillates (stable for STEP < 2 / 57.1, the curvature at the minimum).
set -euo pipefail
step=${1:?step size}
r0=${2:?start separation}
steps=${3:-60}
awk -v h="$step" -v r="$r0" -v n="$steps" 'BEGIN {
    print "step,r,energy,force" > "trajectory.csv"
    for (i = 1; i <= n; i++) {
        if (r < 0.5) r = 0.5                                     # keep the atoms apart on a wild step
        s6 = (1 / r) ^ 6
        e = 4 * (s6 * s6 - s6)
        f = 24 * (2 * s6 * s6 - s6) / r
        printf "%d,%.9f,%.9f,%.9f\n", i, r, e, f > "trajectory.csv"
        printf "clusterml-metric loss=%.9e r=%.9f force=%.9e step=%d\n", e + 1, r, f, i
        r = r + h * f
    }
}'
