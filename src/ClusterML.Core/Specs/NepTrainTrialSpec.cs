using System.Collections.Immutable;
using MessagePack;

namespace ClusterML.Core.Specs;

/// <summary>
/// One NEP fit as a trial: the training (and optional test) frames as absolute paths readable on the worker, and the
/// settings as snake_case keys with text values (the options of <c>clusterml nep train</c> with underscores; lists such as
/// <c>type</c> comma-separated). Keys are the wire contract: append, never renumber.
/// </summary>
[MessagePackObject]
public sealed record NepTrainTrialSpec(
    [property: Key(0)] string Train,
    [property: Key(1)] string? Test,
    [property: Key(2)] ImmutableDictionary<string, string> Settings) : ITrialSpec
{
    /// <summary>Setting keys the engine knows.</summary>
    public static IReadOnlyList<string> Keys { get; } =
    [
        "type", "version", "cutoff_radial", "cutoff_angular", "n_max_radial", "n_max_angular", "basis_radial", "basis_angular", "l_max",
        "four_body", "five_body", "neuron", "lambda_e", "lambda_f", "lambda_v", "lambda_1", "lambda_2", "optimizer", "epochs", "batch", "lr",
        "final_lr", "population", "dtype", "threads",
    ];
}
