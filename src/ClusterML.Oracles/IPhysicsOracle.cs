namespace ClusterML.Oracles;

/// <summary>
/// A deterministic physics model that stands in for an expensive simulation: named inputs (units in the names) → named
/// outputs. <see cref="Outputs"/>[0] is the default target. Implementations are immutable and thread-safe.
/// </summary>
public interface IPhysicsOracle
{
    /// <summary>The name on the command line (<c>thin-film</c>, <c>slack</c>, <c>heat-fd</c>).</summary>
    string Name { get; }

    /// <summary>One sentence for <c>--help</c>.</summary>
    string Description { get; }

    /// <summary>Input columns in CSV order, with their sampling ranges.</summary>
    IReadOnlyList<OracleInput> Inputs { get; }

    /// <summary>Output column names in CSV order.</summary>
    IReadOnlyList<string> Outputs { get; }

    /// <summary>Draws one input vector (in <see cref="Inputs"/> order) from the sampling ranges.</summary>
    double[] Sample(Random random);

    /// <summary>Evaluates the outputs (in <see cref="Outputs"/> order) for one input vector (in <see cref="Inputs"/> order).</summary>
    /// <exception cref="Core.Validation.InvalidInputException">A value outside the model's physical domain (field = the input column).</exception>
    double[] Evaluate(ReadOnlySpan<double> inputs);
}

/// <summary>An input column: name, unit, sampling range and law (for <see cref="OracleSampling.Choice"/>, the integer codes Min…Max).</summary>
public sealed record OracleInput(string Name, string Unit, double Min, double Max, OracleSampling Sampling, string Description)
{
    /// <summary>Draws a value with this input's sampling law.</summary>
    public double Draw(Random random) => Sampling switch
    {
        OracleSampling.Uniform => Min + (random.NextDouble() * (Max - Min)),
        OracleSampling.LogUniform => Math.Exp(Math.Log(Min) + (random.NextDouble() * (Math.Log(Max) - Math.Log(Min)))),
        OracleSampling.Choice => random.Next((int)Min, (int)Max + 1),
        _ => throw new InvalidOperationException($"unknown sampling {Sampling}"),
    };
}

/// <summary>How an input is sampled when generating data.</summary>
public enum OracleSampling
{
    /// <summary>Uniform between Min and Max.</summary>
    Uniform,

    /// <summary>Uniform in log between Min and Max (for quantities spanning decades).</summary>
    LogUniform,

    /// <summary>An integer code from Min to Max inclusive, each equally likely.</summary>
    Choice,
}
