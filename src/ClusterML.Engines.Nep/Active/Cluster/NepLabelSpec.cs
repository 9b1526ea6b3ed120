using ClusterML.Core.Files;
using ClusterML.Core.Specs;
using MessagePack;

namespace ClusterML.Engines.Nep.Active.Cluster;

/// <summary>
/// One oracle call of a potential's active-learning campaign: label pool structure <see cref="Candidate"/> of
/// <see cref="Pool"/> (extended XYZ) with the reference model <see cref="Model"/> (nep.txt). Files travel by content
/// (<see cref="ModelBlob"/>, <see cref="PoolBlob"/>). Keys are the wire contract: append, never renumber.
/// </summary>
[MessagePackObject]
public sealed record NepLabelSpec(
    [property: Key(0)] string Model,
    [property: Key(1)] string Pool,
    [property: Key(2)] long Candidate,
    [property: Key(3)] BlobRef? ModelBlob = null,
    [property: Key(4)] BlobRef? PoolBlob = null) : ITrialSpec, IReadsFiles
{
    /// <inheritdoc/>
    [IgnoreMember]
    public IReadOnlyList<InputFile> InputFiles => [new("oracle.model", Model, ModelBlob), new("oracle.pool", Pool, PoolBlob)];

    /// <inheritdoc/>
    public ITrialSpec WithInputFiles(IReadOnlyList<InputFile> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        return this with { Model = inputs[0].Path, ModelBlob = inputs[0].Blob, Pool = inputs[1].Path, PoolBlob = inputs[1].Blob };
    }
}
