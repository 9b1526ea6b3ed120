namespace ClusterML.Engines.Surrogate;

/// <summary>
/// How one column enters the network: optionally log10 (for strictly positive columns spanning decades), then standardised
/// with the training set's mean and standard deviation. <see cref="Min"/>/<see cref="Max"/> are the training range in the
/// column's own units (for the out-of-domain check).
/// </summary>
public sealed record ColumnTransform(
    [property: System.Text.Json.Serialization.JsonPropertyName("name")] string Name,
    [property: System.Text.Json.Serialization.JsonPropertyName("log10")] bool Log,
    [property: System.Text.Json.Serialization.JsonPropertyName("mean")] double Mean,
    [property: System.Text.Json.Serialization.JsonPropertyName("std")] double Std,
    [property: System.Text.Json.Serialization.JsonPropertyName("min")] double Min,
    [property: System.Text.Json.Serialization.JsonPropertyName("max")] double Max)
{
    /// <summary>Raw value → log (if any) space, before standardising.</summary>
    public double ToModelSpace(double raw) => Log ? Math.Log10(raw) : raw;

    /// <summary>Raw value → standardised network value.</summary>
    public double Forward(double raw) => (ToModelSpace(raw) - Mean) / Std;

    /// <summary>Standardised network value → raw units.</summary>
    public double Inverse(double standardised)
    {
        var modelSpace = (standardised * Std) + Mean;
        return Log ? Math.Pow(10, modelSpace) : modelSpace;
    }

    /// <summary>Fits the transform on training values.</summary>
    public static ColumnTransform Fit(string name, bool log, IReadOnlyList<double> raw)
    {
        var values = raw.Select(v => log ? Math.Log10(v) : v).ToArray();
        var mean = values.Average();
        var std = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / Math.Max(1, values.Length - 1));
        return new ColumnTransform(name, log, mean, std > 1e-12 ? std : 1.0, raw.Min(), raw.Max());
    }
}
