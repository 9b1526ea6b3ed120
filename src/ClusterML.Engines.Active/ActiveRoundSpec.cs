using ClusterML.Core.Files;
using ClusterML.Core.Specs;
using ClusterML.Engines.Surrogate;
using MessagePack;

namespace ClusterML.Engines.Active;

/// <summary>
/// One round trial of an active-learning campaign: train the surrogate on <see cref="Labelled"/> (CSV text
/// <c>candidate,round,INPUTS…,TARGET</c>, the rows its arm has labelled), score it on the test set, screen the pool and pick
/// <see cref="Select"/> candidates for the oracle. Round 0 trains nothing: it picks the initial design. The pool is a
/// generator's (candidate k drawn from its own seed, so any candidate is regenerated on its own and the pool is streamed) or
/// a CSV's rows (candidate k is row k). Keys are the wire contract: append, never renumber.
/// </summary>
[MessagePackObject]
public sealed record ActiveRoundSpec(
    [property: Key(0)] int Round,
    [property: Key(1)] string Arm,
    [property: Key(2)] int Select,
    [property: Key(3)] bool Final,
    [property: Key(4)] string Target,
    [property: Key(5)] IReadOnlyList<string> Inputs,
    [property: Key(6)] string Labelled,
    [property: Key(7)] int OracleCalls,
    [property: Key(8)] CandidateSource Pool,
    [property: Key(9)] CandidateSource? Test,
    [property: Key(10)] string? InitialData,
    [property: Key(11)] int InitialCount,
    [property: Key(12)] BlobRef? InitialBlob,
    [property: Key(13)] string Acquisition,
    [property: Key(14)] string? Goal,
    [property: Key(15)] double Kappa,
    [property: Key(16)] double Xi,
    [property: Key(17)] string Diversity,
    [property: Key(18)] string OutOfDomain,
    [property: Key(19)] double? StopSigma,
    [property: Key(20)] int? StopPatience,
    [property: Key(21)] SurrogateSpec Surrogate,
    [property: Key(22)] int Seed,
    [property: Key(23)] double Density = 0) : ITrialSpec, IReadsFiles
{
    /// <summary>Acquisition functions: the active arm's (<c>uncertainty</c>, <c>ucb</c>, <c>ei</c>), the random arm's, the design's.</summary>
    public static IReadOnlyList<string> Acquisitions { get; } = ["uncertainty", "ucb", "ei", "random"];

    /// <summary>How one round's batch is spread (<see cref="BatchSelection"/>).</summary>
    public static IReadOnlyList<string> Diversities { get; } = ["maximin", "kmeans++", "none"];

    /// <inheritdoc/>
    [IgnoreMember]
    public IReadOnlyList<InputFile> InputFiles => [.. Files()];

    private IEnumerable<InputFile> Files()
    {
        if (Pool.Data is { } pool)
        {
            yield return new InputFile("pool.data", pool, Pool.Blob);
        }
        if (Test?.Data is { } test)
        {
            yield return new InputFile("test.data", test, Test.Blob);
        }
        if (InitialData is { } initial)
        {
            yield return new InputFile("initial.data", initial, InitialBlob);
        }
    }

    /// <inheritdoc/>
    public ITrialSpec WithInputFiles(IReadOnlyList<InputFile> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var spec = this;
        foreach (var input in inputs)
        {
            spec = input.Field switch
            {
                "pool.data" => spec with { Pool = spec.Pool with { Data = input.Path, Blob = input.Blob } },
                "test.data" => spec with { Test = spec.Test! with { Data = input.Path, Blob = input.Blob } },
                "initial.data" => spec with { InitialData = input.Path, InitialBlob = input.Blob },
                _ => throw new ArgumentException($"'{input.Field}' is not an input file of a round trial", nameof(inputs)),
            };
        }
        return spec;
    }
}

/// <summary>
/// Candidates (a pool) or labelled rows (a test set): a generator's <see cref="Count"/> draws from <see cref="Seed"/>, or the
/// rows of the CSV at <see cref="Data"/> (on a worker, the local copy of <see cref="Blob"/>).
/// </summary>
[MessagePackObject]
public sealed record CandidateSource(
    [property: Key(0)] string? Generator,
    [property: Key(1)] int Count,
    [property: Key(2)] int Seed,
    [property: Key(3)] string? Data,
    [property: Key(4)] BlobRef? Blob);
