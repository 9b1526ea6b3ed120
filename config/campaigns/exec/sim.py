#!/usr/bin/env python3
"""A 1D heat rod by explicit finite differences, as an exec-engine trial (standard library only).

u_t = alpha * u_xx on 0 <= x <= 1, u = 0 at both ends, u(x, 0) = sin(pi x); the exact solution is
u = sin(pi x) exp(-alpha pi^2 t). The explicit scheme is stable for r = alpha dt / dx^2 <= 1/2 and its error
falls with smaller r and finer grids. Reports the relative L2 error against the exact solution as
`clusterml-metric loss=... step=N` twenty times during the run (ASHA can stop it between reports),
writes the final profile to --out and the final metrics to metrics.json.
"""
import argparse
import json
import math
import sys


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alpha", type=float, default=1.0, help="diffusivity (length^2 / time)")
    parser.add_argument("--nx", type=int, default=41, help="grid points including both ends")
    parser.add_argument("--r", type=float, default=0.4, help="mesh ratio alpha dt / dx^2")
    parser.add_argument("--t-end", type=float, default=0.1, help="end time")
    parser.add_argument("--reports", type=int, default=20, help="metric lines printed during the run")
    parser.add_argument("--out", default="profile.csv", help="final profile (x, u, exact)")
    args = parser.parse_args()
    if args.nx < 3 or args.r <= 0 or args.alpha <= 0 or args.t_end <= 0:
        print("need nx >= 3 and positive r, alpha, t-end", file=sys.stderr)
        return 2

    dx = 1.0 / (args.nx - 1)
    dt = args.r * dx * dx / args.alpha
    steps = max(1, math.ceil(args.t_end / dt))
    dt = args.t_end / steps
    r = args.alpha * dt / (dx * dx)
    x = [i * dx for i in range(args.nx)]
    u = [math.sin(math.pi * xi) for xi in x]

    def error(t: float) -> float:
        decay = math.exp(-args.alpha * math.pi ** 2 * t)
        diff = sum((ui - math.sin(math.pi * xi) * decay) ** 2 for ui, xi in zip(u, x))
        norm = sum((math.sin(math.pi * xi) * decay) ** 2 for xi in x)
        return math.sqrt(diff / norm)

    every = max(1, steps // args.reports)
    report = 0
    loss = 0.0
    for n in range(1, steps + 1):
        u = [0.0] + [u[i] + r * (u[i - 1] - 2 * u[i] + u[i + 1]) for i in range(1, args.nx - 1)] + [0.0]
        if n % every == 0 or n == steps:
            report += 1
            loss = error(n * dt)
            if not math.isfinite(loss) or loss > 1e6:
                loss = 1e6  # diverged (r > 1/2): report a large finite loss and stop
                print(f"clusterml-metric loss={loss:.6e} step={report}", flush=True)
                break
            print(f"clusterml-metric loss={loss:.6e} u_mid={u[args.nx // 2]:.6e} step={report}", flush=True)

    with open(args.out, "w", encoding="utf-8") as f:
        f.write("x,u,exact\n")
        decay = math.exp(-args.alpha * math.pi ** 2 * args.t_end)
        for xi, ui in zip(x, u):
            f.write(f"{xi:.6f},{ui:.9e},{math.sin(math.pi * xi) * decay:.9e}\n")
    with open("metrics.json", "w", encoding="utf-8") as f:
        json.dump({"loss": loss, "steps": n, "dt": dt, "r": r}, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
