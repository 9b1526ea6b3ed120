# Reference log densities from Optuna 3.1.0's own _ParzenEstimator (run with /usr/bin/python3).
import math, numpy as np, optuna
from optuna.distributions import FloatDistribution, IntDistribution, CategoricalDistribution
from optuna.samplers._tpe.sampler import _get_observation_pairs, _split_observation_pairs, default_gamma, default_weights
from optuna.samplers._tpe.parzen_estimator import _ParzenEstimator, _ParzenEstimatorParameters
optuna.logging.set_verbosity(optuna.logging.WARNING)
space = {"x": FloatDistribution(-5, 10), "lr": FloatDistribution(1e-4, 1, log=True),
         "n": IntDistribution(0, 1000), "c": CategoricalDistribution(["a", "b", "c"])}
N = 40
trials = []
for i in range(N):
    x = round(-5 + 15 * ((i * 0.6180339887) % 1), 4)
    lr = round(10 ** (-4 + 4 * ((i * 0.7548776662 + 0.1) % 1)), 6)
    n = (i * 397 + 11) % 1001
    c = "abc"[(i * i) % 3]
    # ties in value: trials 3 and 17 equal (both among the best), 20 and 30 equal
    v = round((x - 2) ** 2 / 10 + (math.log10(lr) + 2) ** 2 + abs(n - 500) / 500 + (0 if c == "b" else 0.5), 3)
    trials.append((dict(x=x, lr=lr, n=n, c=c), v))
trials[17] = (trials[17][0], trials[3][1])
trials[30] = (trials[30][0], trials[20][1])
trials[27] = (trials[27][0], trials[22][1])  # ties the 3rd best: the earlier trial is below
running = dict(x=3.3, lr=0.05, n=640, c="c")
print("// observations")
for p, v in trials:
    print(f'            ({p["x"]!r}, {p["lr"]!r}, {p["n"]}, "{p["c"]}", {v!r}),')
study = optuna.create_study()
for p, v in trials:
    study.add_trial(optuna.trial.create_trial(params=p, distributions=space, value=v))
study.add_trial(optuna.trial.create_trial(params=running, distributions=space, state=optuna.trial.TrialState.RUNNING))
print("// running", running)
names = list(space)
values, scores, _ = _get_observation_pairs(study, names, True, False)
n = sum(s < float("inf") for s, v in scores)
below_idx, above_idx = _split_observation_pairs(scores, default_gamma(n), None)
print("// n", n, "below", list(below_idx), "above", len(above_idx))
cv = {k: np.asarray(v, dtype=float) for k, v in values.items()}
points = {"x": np.array([-5.0, -1.23, 2.0, 7.5, 10.0]), "lr": np.array([1e-4, 3e-3, 0.01, 0.2, 1.0]),
          "n": np.array([0, 123, 500, 777, 1000]), "c": np.array([0, 1, 2, 1, 0])}
for mv in (False, True):
    params = _ParzenEstimatorParameters(True, 1.0, True, False, default_weights, mv)
    if not mv:
        for k in names:
            for label, idx in (("below", below_idx), ("above", above_idx)):
                pe = _ParzenEstimator({k: cv[k][idx]}, {k: space[k]}, params)
                ext = {k: points[k]}
                lp = pe.log_pdf(ext)
                print(f"univariate {k} {label}", ", ".join(repr(float(t)) for t in lp))
    else:
        for label, idx in (("below", below_idx), ("above", above_idx)):
            pe = _ParzenEstimator({k: cv[k][idx] for k in names}, space, params)
            lp = pe.log_pdf(dict(points))
            print(f"multivariate {label}", ", ".join(repr(float(t)) for t in lp))
