using System.Collections.Immutable;

namespace ClusterML.Core.Campaigns;

/// <summary>
/// A campaign: a sweep of one engine's settings, read from YAML by <see cref="CampaignSpecReader"/> and expanded into trials by
/// <see cref="SearchPlanner"/>. <see cref="Base"/> holds the settings every trial shares; each <see cref="Space"/> axis names a
/// setting that varies and overrides the base setting of the same name (<see cref="TrialPlan.Settings"/>). Immutable.
/// </summary>
/// <remarks>
/// The YAML (<c>config/campaigns/README.md</c> has the same with examples):
/// <code>
/// name: surrogate-width-sweep     # optional; default: the file name without extension
/// engine: surrogate               # required: a lower-case engine name (fd, surrogate, ...); the engine checks its own settings
/// seed: 1                         # optional, default 0: the trials' seeds and the random search derive from it
/// device: cpu                     # optional, default cpu
/// base:                           # optional: settings shared by all trials; plain values or lists of plain values
///   data: ../../data/thin-film.csv    # relative paths are relative to the YAML's folder (resolved by the engine adapter)
///   inputs: [thickness_nm, roughness_nm, temperature_K, direction]
///   epochs: 300
/// space:                          # required, at least one axis; each key is a setting that overrides base
///   width:  { type: choice, values: [16, 32, 64] }        # non-empty, no repeats
///   layers: { type: int, low: 1, high: 4 }                # inclusive; optional step (default 1); low &lt; high
///   lr:     { type: log-uniform, low: 1.0e-4, high: 1.0e-2 }   # 0 &lt; low &lt; high
///   weight_decay: { type: uniform, low: 0.0, high: 1.0e-3 }   # low &lt; high
/// search:                         # required
///   kind: random                  # grid | random | sobol (sobol: at most 21 axes)
///   points_per_axis: 3            # grid only: values on each uniform/log-uniform axis (2-1000, default 3)
/// budget:                         # optional as a whole
///   max_trials: 20                # 1-1000000; required for random and sobol; for grid an optional cap
///   max_concurrent: 2             # optional, default 0 = as many as the cluster has slots
///   wall_time: 30m                # optional: 90s, 30m, 1.5h, 2d or hh:mm:ss; positive, at most 365d
/// early_stopping:                 # optional: ASHA; all keys required except max_epochs
///   metric: validation_loss
///   mode: min                     # min | max
///   grace_period: 10              # epochs before the first rung, >= 1
///   reduction_factor: 3           # eta >= 2
///   max_epochs: 300               # optional: no rung above it; >= grace_period
/// retries: 2                      # optional, default 1 (0-100): re-runs of a failed trial before it counts as failed
/// enqueue:                        # optional (not with grid): points tried first, in order; axes left out come from the search
///   - { width: 64, lr: 3.0e-3 }
/// warm_start: surrogate-tpe-20261201-101500   # optional (tpe, gp): an earlier campaign's results seed the model
/// schedule:                       # optional: population-based training of the search's points (grid, random, sobol)
///   kind: pbt
///   perturbation_interval: 20     # epochs per segment; base.epochs is the whole training
///   quantile_fraction: 0.25       # optional: worst quarter copies the best quarter
///   resample_probability: 0.25    # optional
///   perturbation_factors: [1.2, 0.8]   # optional
/// objective: { metric: test_rmse, mode: min }   # optional, default { metric: loss, mode: min }; mode optional (min)
/// objectives:                     # or (not both): 2+ objectives, a Pareto front; not with gp
///   - { metric: test_rmse, mode: min }
///   - { metric: wall_seconds, mode: min }
/// constraints:                    # optional: a trial outside a bound is infeasible (never best, not on the front)
///   - { metric: test_r2, min: 0.9 }             # min and/or max
/// </code>
/// Values follow YAML's plain-scalar rules: <c>true</c>/<c>false</c> are booleans, whole numbers 64-bit integers, other
/// numbers doubles, and quoted or block scalars text. Unknown keys, wrong types and out-of-range values are errors that name
/// the file, the line and the key path.
/// <see cref="SourcePath"/> is the YAML's full path (or the name given to <see cref="CampaignSpecReader.Parse"/>).
/// </remarks>
public sealed record CampaignSpec(
    string Name,
    string Engine,
    int Seed,
    string Device,
    ImmutableDictionary<string, CampaignValue> Base,
    ImmutableArray<ParameterSpace> Space,
    SearchSpec Search,
    BudgetSpec Budget,
    EarlyStoppingSpec? EarlyStopping,
    int Retries,
    string SourcePath)
{
    /// <summary>
    /// Points the first trials take, in order (<c>enqueue</c>): each sets some axes to values inside them; the trial's other axes
    /// come from the search. Empty by default.
    /// </summary>
    public ImmutableArray<ImmutableDictionary<string, CampaignValue>> Enqueue { get; init; } = [];

    /// <summary>
    /// The id of an earlier campaign whose completed trials a model-based search learns from before its own (<c>warm_start</c>);
    /// the trials are read once when the campaign is submitted and journaled with it. Null by default.
    /// </summary>
    public string? WarmStart { get; init; }

    /// <summary>1-based YAML line of <c>warm_start</c> (0 when absent).</summary>
    public int WarmStartLine { get; init; }

    /// <summary>Population-based training (<c>schedule: {kind: pbt, …}</c>), or null.</summary>
    public PbtSpec? Pbt { get; init; }

    /// <summary>
    /// What the campaign optimises, in order (<c>objective</c>: one; <c>objectives</c>: two or more, a Pareto front). Default: the
    /// engine's final loss, minimised. See <see cref="CampaignObjectives"/>.
    /// </summary>
    public ImmutableArray<ObjectiveSpec> Objectives { get; init; } = CampaignObjectives.Default.Objectives;

    /// <summary>Bounds a trial's metrics must meet to be feasible (<c>constraints</c>); empty by default.</summary>
    public ImmutableArray<ConstraintSpec> Constraints { get; init; } = [];

    /// <summary>
    /// 1-based YAML line of each setting a trial can get (<c>base.KEY</c>'s value, or the <c>space.KEY</c> axis, which wins);
    /// empty for specs not read from YAML. Engine errors about a setting point here.
    /// </summary>
    public ImmutableDictionary<string, int> SettingLines { get; init; } = ImmutableDictionary<string, int>.Empty;

    /// <summary>1-based YAML line of the <c>engine</c> key: where an error about a trial's settings as a whole points.</summary>
    public int EngineLine { get; init; } = 1;

    /// <summary>
    /// An active-learning campaign's own part (<c>kind: active</c>), or null for a sweep. Its trials are laid out by
    /// <see cref="Active.ActiveLayout"/> and decided at dispatch by <see cref="Active.ActiveProposer"/>.
    /// </summary>
    public Active.ActiveSpec? Active { get; init; }

    /// <summary>
    /// The key path of setting <paramref name="key"/> as the YAML spells it: <c>space.KEY</c> for an axis, else <c>base.KEY</c>;
    /// an active-learning campaign's settings are named by their own path (<c>surrogate.epochs</c>, <c>pool.n</c>).
    /// </summary>
    public string SettingPath(string key) => Active is not null ? key : Space.Any(axis => axis.Name == key) ? $"space.{key}" : $"base.{key}";
}
