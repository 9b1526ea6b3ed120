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
}
