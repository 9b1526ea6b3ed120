namespace ClusterML.Oracles;

/// <summary>
/// One input column of an oracle: its CSV name (with the unit in it), the unit on its own, the sampling range
/// [<paramref name="Min"/>, <paramref name="Max"/>] and law, and a short description. For <see cref="OracleSampling.Choice"/>
/// the range is the set of integer codes Min…Max. The range is where data is generated, not the model's domain: an oracle
/// may evaluate physical values outside it.
/// </summary>
public sealed record OracleInput(string Name, string Unit, double Min, double Max, OracleSampling Sampling, string Description)
{
    /// <summary>Draws one value with this column's law; consumes exactly one draw of <paramref name="rng"/>.</summary>
    public double Draw(Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        return Sampling switch
        {
            OracleSampling.Uniform => Min + (rng.NextDouble() * (Max - Min)),
            OracleSampling.LogUniform => Math.Exp(Math.Log(Min) + (rng.NextDouble() * (Math.Log(Max) - Math.Log(Min)))),
            OracleSampling.Choice => rng.Next((int)Min, (int)Max + 1),
            OracleSampling.Correlated => throw new InvalidOperationException($"{Name} is drawn by its oracle's sampler together with other columns, not on its own"),
            _ => throw new InvalidOperationException($"unknown sampling law {Sampling}"),
        };
    }
}
