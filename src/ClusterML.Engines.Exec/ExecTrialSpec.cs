using System.Collections.Immutable;
using ClusterML.Core.Files;
using ClusterML.Core.Specs;
using MessagePack;

namespace ClusterML.Engines.Exec;

/// <summary>
/// Any program as a trial (<c>engine: exec</c>). <see cref="Command"/> holds argument templates with placeholders
/// (<see cref="ExecTemplate"/>): without <see cref="Shell"/> each substituted item is one argument, passed without a shell;
/// with it the items are joined by spaces and run by <c>/bin/sh -c</c>, every substituted value single-quoted.
/// <see cref="Environment"/> values are templates too. <see cref="TimeoutSeconds"/> (null: none) bounds the run.
/// <see cref="Inputs"/> are copied into the trial folder under their original names. <see cref="Outputs"/> are glob
/// patterns relative to the trial folder, returned as artifacts besides <c>stdout.txt</c>, <c>stderr.txt</c> and the
/// metrics file. Metrics come from <c>clusterml-metric name=value … step=N</c> lines on stdout and from
/// <see cref="MetricsFile"/> (a flat JSON object name → number, relative to the trial folder), which overrides them.
/// <see cref="Loss"/> names the metric that is the trial's loss; null means <c>loss</c>, or, when no metric of that name is
/// reported, the first metric reported. <see cref="Parameters"/> are the trial's other settings as text (hyperparameters
/// included). Keys are the wire contract: append, never renumber.
/// </summary>
[MessagePackObject]
public sealed record ExecTrialSpec(
    [property: Key(0)] ImmutableArray<string> Command,
    [property: Key(1)] bool Shell = false,
    [property: Key(2)] ImmutableDictionary<string, string>? Environment = null,
    [property: Key(3)] double? TimeoutSeconds = null,
    [property: Key(4)] ImmutableArray<ExecInput> Inputs = default,
    [property: Key(5)] ImmutableArray<string> Outputs = default,
    [property: Key(6)] string? MetricsFile = null,
    [property: Key(7)] string? Loss = null,
    [property: Key(8)] ImmutableDictionary<string, string>? Parameters = null) : ITrialSpec, IReadsFiles
{
    /// <summary>The environment templates (never null).</summary>
    [IgnoreMember]
    public ImmutableDictionary<string, string> EnvironmentOrEmpty => Environment ?? ImmutableDictionary<string, string>.Empty;

    /// <summary>The parameters (never null).</summary>
    [IgnoreMember]
    public ImmutableDictionary<string, string> ParametersOrEmpty => Parameters ?? ImmutableDictionary<string, string>.Empty;

    /// <summary>The inputs (never default).</summary>
    [IgnoreMember]
    public ImmutableArray<ExecInput> InputsOrEmpty => Inputs.IsDefault ? [] : Inputs;

    /// <summary>The output patterns (never default).</summary>
    [IgnoreMember]
    public ImmutableArray<string> OutputsOrEmpty => Outputs.IsDefault ? [] : Outputs;

    /// <inheritdoc/>
    [IgnoreMember]
    public IReadOnlyList<InputFile> InputFiles => [.. InputsOrEmpty.Select(i => new InputFile(i.Name, i.Path, i.Blob))];

    /// <summary>Equality by value, collections included (the generated one would compare the arrays' references).</summary>
    public bool Equals(ExecTrialSpec? other) =>
        other is not null && Command.AsSpan().SequenceEqual(other.Command.AsSpan()) && Shell == other.Shell
        && Same(EnvironmentOrEmpty, other.EnvironmentOrEmpty) && TimeoutSeconds == other.TimeoutSeconds
        && InputsOrEmpty.SequenceEqual(other.InputsOrEmpty) && OutputsOrEmpty.SequenceEqual(other.OutputsOrEmpty)
        && MetricsFile == other.MetricsFile && Loss == other.Loss && Same(ParametersOrEmpty, other.ParametersOrEmpty);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var item in Command.IsDefault ? [] : Command)
        {
            hash.Add(item);
        }
        hash.Add(Shell);
        hash.Add(TimeoutSeconds);
        hash.Add(ParametersOrEmpty.Count);
        return hash.ToHashCode();
    }

    private static bool Same(ImmutableDictionary<string, string> a, ImmutableDictionary<string, string> b) =>
        a.Count == b.Count && a.All(e => b.TryGetValue(e.Key, out var v) && v == e.Value);

    /// <inheritdoc/>
    public ITrialSpec WithInputFiles(IReadOnlyList<InputFile> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var current = InputsOrEmpty;
        if (inputs.Count != current.Length)
        {
            throw new ArgumentException($"expected {current.Length} input files, got {inputs.Count}", nameof(inputs));
        }
        return this with { Inputs = [.. current.Select((input, i) => input with { Path = inputs[i].Path, Blob = inputs[i].Blob })] };
    }
}
