using System.Collections.Immutable;
using ClusterML.Core.Files;
using MessagePack;

using ClusterML.Core.Specs;

namespace ClusterML.Engines.Pinn.Heat;

/// <summary>
/// One PINN run of the 1D heat problem as a trial: its settings as snake_case keys and text values (the options of
/// <c>clusterml pinn heat</c> with underscores, parsed and checked by the engine), an optional observations file (by content
/// in campaigns, <see cref="ObservationsBlob"/>; a local path on the worker) and whether α is learned. Keys are the wire contract: append, never renumber.
/// </summary>
[MessagePackObject]
public sealed record PinnHeatTrialSpec(
    [property: Key(0)] ImmutableDictionary<string, string> Settings,
    [property: Key(1)] string? Observations = null,
    [property: Key(2)] bool Inverse = false,
    [property: Key(3)] BlobRef? ObservationsBlob = null) : ITrialSpec, IReadsFiles
{
    /// <inheritdoc/>
    [IgnoreMember]
    public IReadOnlyList<InputFile> InputFiles => Observations is null ? [] : [new("observations", Observations, ObservationsBlob)];

    /// <inheritdoc/>
    public ITrialSpec WithInputFiles(IReadOnlyList<InputFile> inputs) =>
        inputs.Count == 0 ? this : this with { Observations = inputs[0].Path, ObservationsBlob = inputs[0].Blob };

    /// <summary>Setting keys the engine knows (besides <c>observations</c> and <c>inverse</c>).</summary>
    public static IReadOnlyList<string> Keys { get; } =
    [
        "alpha", "length", "left", "right", "initial", "t_end", "layers", "width", "activation", "collocation", "boundary_points",
        "sampling", "resample_every", "refine_fraction", "epochs", "lr", "lbfgs_steps", "weight_pde", "weight_bc", "weight_ic",
        "weight_data", "weighting", "anneal_every", "nondimensional", "constraints", "corner", "dtype", "alpha_init", "grid_x",
        "grid_t", "eval_min_tau", "report_every", "threads",
    ];
}
