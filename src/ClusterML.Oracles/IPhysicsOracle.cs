namespace ClusterML.Oracles;

/// <summary>
/// A deterministic physics model that stands in for an expensive simulation: named input columns (units in the names) →
/// named output columns. <see cref="Outputs"/>[0] is the default target of a surrogate. Implementations are immutable and
/// thread-safe, so rows may be evaluated in parallel, and the same inputs always give bit-identical outputs.
/// </summary>
public interface IPhysicsOracle
{
    /// <summary>The name on the command line: <c>thin-film</c>, <c>slack</c> or <c>heat-fd</c>.</summary>
    string Name { get; }

    /// <summary>One line for <c>--help</c>.</summary>
    string Description { get; }

    /// <summary>The input columns in CSV order, with their units and sampling ranges.</summary>
    IReadOnlyList<OracleInput> Inputs { get; }

    /// <summary>The output column names in CSV order; the first is the default target.</summary>
    IReadOnlyList<string> Outputs { get; }

    /// <summary>Draws one input vector (in <see cref="Inputs"/> order) from the documented sampling ranges using <paramref name="rng"/>.</summary>
    double[] Sample(Random rng);

    /// <summary>Evaluates the outputs (in <see cref="Outputs"/> order) for one input vector (in <see cref="Inputs"/> order).</summary>
    /// <exception cref="Core.Validation.InvalidInputException">
    /// A value outside the model's physical domain (NaN, a negative thickness, ...) or a vector of the wrong length;
    /// the field is the input column's name.
    /// </exception>
    double[] Evaluate(ReadOnlySpan<double> inputs);
}
