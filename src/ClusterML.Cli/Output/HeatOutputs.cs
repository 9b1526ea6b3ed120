using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using ClusterML.Engines.FiniteDifferences;

namespace ClusterML.Cli.Output;

/// <summary>Writes the CSV and JSON results of <c>fd heat</c>. Numbers are invariant-culture and round-trippable.</summary>
internal static class HeatOutputs
{
    /// <summary><c>x,t,T</c> rows, one per grid point at each snapshot time, time-major.</summary>
    public static void WriteSolutionCsv(HeatSolution solution, string path)
    {
        using var writer = new StreamWriter(path, append: false, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 1 << 16);
        writer.NewLine = "\n";
        writer.WriteLine("x,t,T");
        Span<char> buffer = stackalloc char[96];
        for (var k = 0; k < solution.SnapshotTimes.Length; k++)
        {
            var t = solution.SnapshotTimes[k];
            var field = solution.Snapshots[k];
            for (var i = 0; i < field.Length; i++)
            {
                var n = 0;
                n += Format(solution.X[i], buffer[n..]);
                buffer[n++] = ',';
                n += Format(t, buffer[n..]);
                buffer[n++] = ',';
                n += Format(field[i], buffer[n..]);
                writer.WriteLine(buffer[..n]);
            }
        }
    }

    public static void WriteSummaryJson(HeatSolution solution, int seed, string path)
    {
        var plan = solution.Plan;
        var settings = plan.Settings;
        var problem = settings.Problem;
        var error = solution.Error;
        var json = new JsonObject
        {
            ["command"] = "fd heat",
            ["clusterml_version"] = typeof(HeatOutputs).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0],
            ["scheme"] = Commands.FdCommand.SchemeName(settings.Scheme),
            ["alpha"] = problem.Alpha,
            ["length"] = problem.Length,
            ["left"] = problem.Left,
            ["right"] = problem.Right,
            ["initial"] = problem.Initial,
            ["nx"] = settings.Nx,
            ["dx"] = plan.Dx,
            ["t_end"] = settings.TEnd,
            ["dt"] = plan.Dt,
            ["r"] = plan.R,
            ["steps"] = plan.Steps,
            ["largest_stable_explicit_dt"] = plan.LargestStableExplicitDt,
            ["snapshot_times"] = new JsonArray([.. solution.SnapshotTimes.Select(t => (JsonNode?)t)]),
            ["max_abs_error_vs_analytic"] = error.MaxAbs,
            ["max_abs_error_at_x"] = error.AtX,
            ["max_abs_error_at_t"] = error.AtT,
            ["error_min_tau"] = error.MinTau,
            ["error_times_compared"] = error.TimesCompared,
            ["wall_seconds"] = solution.Wall.TotalSeconds,
            ["seed"] = seed,
        };
        File.WriteAllText(path, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    private static int Format(double value, Span<char> destination)
    {
        value.TryFormat(destination, out var written, "R", CultureInfo.InvariantCulture);
        return written;
    }
}
