namespace ClusterML.Oracles;

/// <summary>How an input column is drawn when generating data.</summary>
public enum OracleSampling
{
    /// <summary>Uniform between Min and Max.</summary>
    Uniform,

    /// <summary>Uniform in ln between Min and Max (both &gt; 0), for quantities that span decades.</summary>
    LogUniform,

    /// <summary>An integer code from Min to Max inclusive, each equally likely (e.g. direction 0 = in-plane, 1 = cross-plane).</summary>
    Choice,

    /// <summary>
    /// Drawn by the oracle's own sampler together with other columns (e.g. θ_D from mass, volume and a melting point), so
    /// the column has no law of its own; Min and Max bound every value the sampler produces. <see cref="OracleInput.Draw"/>
    /// refuses such a column.
    /// </summary>
    Correlated,
}
