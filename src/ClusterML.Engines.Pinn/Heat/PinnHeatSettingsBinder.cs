using System.Globalization;
using ClusterML.Core.Validation;

namespace ClusterML.Engines.Pinn.Heat;

/// <summary>
/// Sets <see cref="PinnHeatSettings"/> fields from snake_case keys and text values — the keys of a campaign's <c>base</c> and
/// <c>space</c> for the <c>pinn</c> engine (the CLI options are the same names with dashes).
/// </summary>
public static class PinnHeatSettingsBinder
{
    public static IReadOnlyList<string> Keys => PinnHeatTrialSpec.Keys;

    /// <exception cref="InvalidInputException">Unknown key or a value of the wrong kind (names <paramref name="field"/>).</exception>
    public static PinnHeatSettings Apply(PinnHeatSettings s, string key, string value, string field)
    {
        double D() => Require.Number(field, value);
        int I() => Require.Integer(field, value);
        return key switch
        {
            "alpha" => s with { Problem = s.Problem with { Alpha = D() } },
            "length" => s with { Problem = s.Problem with { Length = D() } },
            "left" => s with { Problem = s.Problem with { Left = D() } },
            "right" => s with { Problem = s.Problem with { Right = D() } },
            "initial" => s with { Problem = s.Problem with { Initial = D() } },
            "t_end" => s with { TEnd = D() },
            "layers" => s with { Layers = I() },
            "width" => s with { Width = I() },
            "activation" => s with { Activation = value },
            "collocation" => s with { Collocation = I() },
            "boundary_points" => s with { BoundaryPoints = I() },
            "sampling" => s with { Sampling = Sampling(value, field) },
            "resample_every" => s with { ResampleEvery = I() },
            "refine_fraction" => s with { RefineFraction = D() },
            "epochs" => s with { Epochs = I() },
            "lr" => s with { LearningRate = D() },
            "lbfgs_steps" => s with { LbfgsSteps = I() },
            "weight_pde" => s with { WeightPde = D() },
            "weight_bc" => s with { WeightBoundary = D() },
            "weight_ic" => s with { WeightInitial = D() },
            "weight_data" => s with { WeightData = D() },
            "weighting" => s with { Weighting = Weighting(value, field) },
            "anneal_every" => s with { AnnealEvery = I() },
            "nondimensional" => s with { NonDimensional = Bool(value, field) },
            "constraints" => s with { Constraints = Constraints(value, field) },
            "corner" => s with { CornerSubtraction = Corner(value, field) },
            "dtype" => s with { Float64 = DType(value, field) },
            "alpha_init" => s with { AlphaInitial = D() },
            "grid_x" => s with { GridX = I() },
            "grid_t" => s with { GridT = I() },
            "eval_min_tau" => s with { EvalMinTau = D() },
            "report_every" => s with { ReportEvery = I() },
            "threads" => s with { Threads = I() },
            _ => throw new InvalidInputException(field, $"'{key}' is not a pinn setting; known: {string.Join(", ", Keys)}"),
        };
    }

    public static CollocationSampling Sampling(string value, string field) => value switch
    {
        "uniform" => CollocationSampling.Uniform,
        "lhs" or "latin-hypercube" => CollocationSampling.LatinHypercube,
        "sobol" => CollocationSampling.Sobol,
        _ => throw new InvalidInputException(field, $"'{value}' is not a sampling; use uniform, lhs or sobol"),
    };

    public static LossWeighting Weighting(string value, string field) => value switch
    {
        "fixed" => LossWeighting.Fixed,
        "annealing" or "lra" => LossWeighting.Annealing,
        _ => throw new InvalidInputException(field, $"'{value}' is not a weighting; use fixed or annealing"),
    };

    public static HeatConstraints Constraints(string value, string field) => value switch
    {
        "soft" => HeatConstraints.Soft,
        "boundary" or "bc" => HeatConstraints.Boundary,
        "all" => HeatConstraints.All,
        _ => throw new InvalidInputException(field, $"'{value}' is not a constraint mode; use soft, boundary or all"),
    };

    public static bool Corner(string value, string field) => value switch
    {
        "subtract" or "true" => true,
        "none" or "false" => false,
        _ => throw new InvalidInputException(field, $"'{value}' is not a corner treatment; use subtract or none"),
    };

    public static bool DType(string value, string field) => value switch
    {
        "float64" or "f64" or "double" => true,
        "float32" or "f32" or "float" => false,
        _ => throw new InvalidInputException(field, $"'{value}' is not a dtype; use float32 or float64"),
    };

    public static bool Bool(string value, string field) => value.ToLowerInvariant() switch
    {
        "true" or "on" or "yes" => true,
        "false" or "off" or "no" => false,
        _ => throw new InvalidInputException(field, $"'{value}' is not true or false"),
    };
}
