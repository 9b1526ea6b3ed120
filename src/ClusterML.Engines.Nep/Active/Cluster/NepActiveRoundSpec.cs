using System.Collections.Immutable;
using ClusterML.Core.Files;
using ClusterML.Core.Specs;
using MessagePack;

namespace ClusterML.Engines.Nep.Active.Cluster;

/// <summary>
/// One round trial of a potential's active learning (<c>nep-active</c>): round 0 picks <see cref="InitialCount"/> random
/// pool structures for the oracle; round r ≥ 1 trains a committee of <see cref="Members"/> NEP models on the frames its arm
/// has labelled (<see cref="Labelled"/>: CSV <c>candidate,round,energy_per_atom</c>; the frames themselves come from the
/// cluster's store), fine-tuned from <see cref="Previous"/>'s committee when that round trained one, scores it on the test
/// frames and, unless <see cref="Final"/>, picks up to <see cref="Select"/> unlabelled structures: the active arm those whose
/// largest committee force deviation lies in the trust window [<see cref="Low"/>, <see cref="High"/>), the random arm at
/// random. <see cref="Committee"/> holds the options of <c>nep train</c> (snake_case). Keys are the wire contract: append,
/// never renumber.
/// </summary>
[MessagePackObject]
public sealed record NepActiveRoundSpec(
    [property: Key(0)] int Round,
    [property: Key(1)] string Arm,
    [property: Key(2)] int Select,
    [property: Key(3)] bool Final,
    [property: Key(4)] string Labelled,
    [property: Key(5)] int OracleCalls,
    [property: Key(6)] string Pool,
    [property: Key(7)] string Test,
    [property: Key(8)] int InitialCount,
    [property: Key(9)] string? Previous,
    [property: Key(10)] int Members,
    [property: Key(11)] int FineTuneEpochs,
    [property: Key(12)] ImmutableDictionary<string, string> Committee,
    [property: Key(13)] double Low,
    [property: Key(14)] double High,
    [property: Key(15)] double? StopAccurate,
    [property: Key(16)] int Seed,
    [property: Key(17)] BlobRef? PoolBlob = null,
    [property: Key(18)] BlobRef? TestBlob = null) : ITrialSpec, IReadsFiles
{
    /// <inheritdoc/>
    [IgnoreMember]
    public IReadOnlyList<InputFile> InputFiles => [new("pool.data", Pool, PoolBlob), new("test.data", Test, TestBlob)];

    /// <inheritdoc/>
    public ITrialSpec WithInputFiles(IReadOnlyList<InputFile> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        return this with { Pool = inputs[0].Path, PoolBlob = inputs[0].Blob, Test = inputs[1].Path, TestBlob = inputs[1].Blob };
    }
}
