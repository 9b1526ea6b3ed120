using System.Collections.Immutable;

namespace ClusterML.Core.Campaigns;

/// <summary>
/// One hyperparameter axis of a campaign's search space; <see cref="Name"/> is the engine setting it overrides. Immutable.
/// <see cref="CampaignSpecReader"/> guarantees the invariants stated on each case; code that builds spaces itself must keep them.
/// </summary>
public abstract record ParameterSpace(string Name);

/// <summary>One of <see cref="Values"/> (at least one, no repeats), each equally likely. Equality compares the values in order.</summary>
public sealed record ChoiceSpace(string Name, ImmutableArray<CampaignValue> Values) : ParameterSpace(Name)
{
    public ImmutableArray<CampaignValue> Values { get; } = Values.IsDefault ? [] : Values;

    public bool Equals(ChoiceSpace? other) => other is not null && base.Equals(other) && Values.SequenceEqual(other.Values);

    public override int GetHashCode() => HashCode.Combine(Name, Values.Length);
}

/// <summary>
/// A whole number low, low + step, … up to <see cref="High"/> (inclusive when a step lands on it); low &lt; high, step ≥ 1,
/// at most 2^53 values.
/// </summary>
public sealed record IntSpace(string Name, long Low, long High, long Step) : ParameterSpace(Name)
{
    /// <summary>How many values the axis has: ⌊(high − low) / step⌋ + 1.</summary>
    public long Count => (long)((((Int128)High - Low) / Step) + 1);

    /// <summary>The value with 0-based index <paramref name="index"/> (0 ≤ index &lt; <see cref="Count"/>).</summary>
    public long ValueAt(long index) => Low + (Step * index);
}

/// <summary>A real number uniform in [<see cref="Low"/>, <see cref="High"/>], both finite, low &lt; high.</summary>
public sealed record UniformSpace(string Name, double Low, double High) : ParameterSpace(Name);

/// <summary>A real number whose logarithm is uniform: 0 &lt; <see cref="Low"/> &lt; <see cref="High"/>, both finite (e.g. a learning rate).</summary>
public sealed record LogUniformSpace(string Name, double Low, double High) : ParameterSpace(Name);
