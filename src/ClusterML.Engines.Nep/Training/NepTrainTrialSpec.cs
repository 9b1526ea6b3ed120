using System.Collections.Immutable;
using ClusterML.Core.Files;
using MessagePack;

using ClusterML.Core.Specs;

namespace ClusterML.Engines.Nep.Training;

/// <summary>
/// One NEP fit as a trial: the training (and optional test) frames (by content in campaigns,
/// <see cref="TrainBlob"/>/<see cref="TestBlob"/>; local paths on the worker), and the
/// settings as snake_case keys with text values (the options of <c>clusterml nep train</c> with underscores; lists such as
/// <c>type</c> comma-separated). Keys are the wire contract: append, never renumber.
/// </summary>
[MessagePackObject]
public sealed record NepTrainTrialSpec(
    [property: Key(0)] string Train,
    [property: Key(1)] string? Test,
    [property: Key(2)] ImmutableDictionary<string, string> Settings,
    [property: Key(3)] BlobRef? TrainBlob = null,
    [property: Key(4)] BlobRef? TestBlob = null) : ITrialSpec, IReadsFiles
{
    /// <inheritdoc/>
    [IgnoreMember]
    public IReadOnlyList<InputFile> InputFiles => Test is null ? [new("train", Train, TrainBlob)] : [new("train", Train, TrainBlob), new("test", Test, TestBlob)];

    /// <inheritdoc/>
    public ITrialSpec WithInputFiles(IReadOnlyList<InputFile> inputs) => this with
    {
        Train = inputs[0].Path,
        TrainBlob = inputs[0].Blob,
        Test = inputs.Count > 1 ? inputs[1].Path : Test,
        TestBlob = inputs.Count > 1 ? inputs[1].Blob : TestBlob,
    };

    /// <summary>Setting keys the engine knows.</summary>
    public static IReadOnlyList<string> Keys { get; } =
    [
        "type", "version", "cutoff_radial", "cutoff_angular", "n_max_radial", "n_max_angular", "basis_radial", "basis_angular", "l_max",
        "four_body", "five_body", "neuron", "lambda_e", "lambda_f", "lambda_v", "lambda_1", "lambda_2", "optimizer", "epochs", "batch", "lr",
        "final_lr", "population", "dtype", "threads", "shards", "distributed",
        "checkpoint_every",
    ];
}
