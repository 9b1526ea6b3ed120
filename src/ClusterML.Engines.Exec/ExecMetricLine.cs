using System.Collections.Immutable;
using System.Globalization;

namespace ClusterML.Engines.Exec;

/// <summary>
/// One metric line a program prints on stdout: <c>clusterml-metric name=value [name2=value2 …] [step=N]</c> (leading
/// blanks allowed, fields separated by spaces or tabs). Values are invariant-culture numbers (<c>NaN</c> and
/// <c>Infinity</c> included); <c>step</c> is a whole number ≥ 0, and without it the step is the previous line's plus one.
/// A line that starts with the marker but has a malformed field is ignored as a whole, never half-read.
/// </summary>
public sealed record ExecMetricLine(int? Step, ImmutableArray<KeyValuePair<string, double>> Metrics)
{
    /// <summary>The word that starts a metric line.</summary>
    public const string Marker = "clusterml-metric";

    /// <summary>The line's metrics, or null when it is not a well-formed metric line with at least one metric.</summary>
    public static ExecMetricLine? TryParse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 2 || fields[0] != Marker)
        {
            return null;
        }
        int? step = null;
        var metrics = ImmutableArray.CreateBuilder<KeyValuePair<string, double>>();
        foreach (var field in fields.AsSpan(1))
        {
            var equals = field.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                return null;
            }
            var (name, text) = (field[..equals], field[(equals + 1)..]);
            if (name == "step")
            {
                if (step is not null || !int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var s))
                {
                    return null;
                }
                step = s;
            }
            else if (!ExecTemplate.IsName(name) || metrics.Any(m => m.Key == name)
                || !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                return null;
            }
            else
            {
                metrics.Add(new(name, value));
            }
        }
        return metrics.Count == 0 ? null : new ExecMetricLine(step, metrics.ToImmutable());
    }
}
