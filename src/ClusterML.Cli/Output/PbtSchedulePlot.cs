using System.Globalization;
using ClusterML.Core.Campaigns;
using ClusterML.Core.Results;
using ScottPlot;

namespace ClusterML.Cli.Output;

/// <summary>One member's line in a PBT plot: (epoch, value) points, and the epochs where it took another member's checkpoint.</summary>
internal sealed record PbtSeries(int Member, IReadOnlyList<(double Epoch, double Value)> Points, IReadOnlyList<double> ExploitedAt);

/// <summary>
/// The schedule of a population-based training campaign (<c>pbt_&lt;axis&gt;.png</c>: each member's value of a numeric
/// hyperparameter per segment, a step at each generation, a marker where it continued from another member's checkpoint) and its
/// losses (<c>pbt_loss.png</c>: each member's loss at the end of each segment). Built from the trials' PBT keys and the spec.
/// </summary>
internal sealed record PbtSchedulePlot(string File, string Title, string YLabel, bool LogY, IReadOnlyList<PbtSeries> Series)
{
    public static IReadOnlyList<PbtSchedulePlot> Of(CampaignSpec? spec, IReadOnlyList<TrialResult> results)
    {
        if (spec?.Pbt is not { } pbt || results.Count == 0)
        {
            return [];
        }
        var segments = results
            .Where(r => r.Parameters.ContainsKey(Pbt.MemberKey) && r.Parameters.ContainsKey(Pbt.GenerationKey))
            .Select(r => (Result: r, Member: Int(r.Parameters[Pbt.MemberKey]), Generation: Int(r.Parameters[Pbt.GenerationKey])))
            .OrderBy(s => s.Member).ThenBy(s => s.Generation)
            .ToList();
        if (segments.Count == 0)
        {
            return [];
        }
        var byId = segments.ToDictionary(s => s.Result.TrialId, s => s);
        bool Exploited((TrialResult Result, int Member, int Generation) s) =>
            s.Result.Parameters.TryGetValue(Pbt.FromKey, out var from) && byId.TryGetValue(from, out var donor) && donor.Member != s.Member;
        var plots = new List<PbtSchedulePlot>();
        foreach (var axis in spec.Space.Where(a => a is not ChoiceSpace))
        {
            var series = segments.GroupBy(s => s.Member).Select(member => new PbtSeries(member.Key,
                [.. member.SelectMany(s => Value(s.Result, axis.Name) is { } v
                    ? new[] { ((double)(s.Generation * pbt.PerturbationInterval), v), (pbt.UntilEpoch(s.Generation), v) }
                    : [])],
                [.. member.Where(Exploited).Select(s => (double)(s.Generation * pbt.PerturbationInterval))])).ToList();
            plots.Add(new PbtSchedulePlot($"pbt_{axis.Name}.png", $"PBT schedule of {axis.Name} ({series.Count} members)", axis.Name, axis is LogUniformSpace, series));
        }
        var losses = segments.GroupBy(s => s.Member).Select(member => new PbtSeries(member.Key,
            [.. member.Where(s => s.Result.FinalLoss is { } l && double.IsFinite(l)).Select(s => ((double)pbt.UntilEpoch(s.Generation), s.Result.FinalLoss!.Value))],
            [.. member.Where(Exploited).Select(s => (double)(s.Generation * pbt.PerturbationInterval))])).ToList();
        var positive = losses.SelectMany(s => s.Points).All(p => p.Value > 0);
        plots.Add(new PbtSchedulePlot("pbt_loss.png", "PBT: each member's loss after each segment", "loss", positive, losses));
        return plots;
    }

    private static int Int(string text) => int.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture);

    private static double? Value(TrialResult result, string axis) =>
        result.Parameters.TryGetValue(axis, out var text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : null;

    /// <summary>Draws the plot as a PNG at <paramref name="path"/>.</summary>
    public void Draw(string path)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        foreach (var s in Series.Where(s => s.Points.Count > 0))
        {
            var ys = s.Points.Select(p => LogY ? Math.Log10(p.Value) : p.Value).ToArray();
            var line = plot.Add.ScatterLine(s.Points.Select(p => p.Epoch).ToArray(), ys);
            line.Color = palette.GetColor(s.Member);
            line.LineWidth = 2;
            line.MarkerSize = File == "pbt_loss.png" ? 5 : 0;
            line.LegendText = $"member {s.Member}";
            foreach (var epoch in s.ExploitedAt)
            {
                var at = s.Points.Select((p, i) => (p, i)).FirstOrDefault(x => x.p.Epoch >= epoch);
                var marker = plot.Add.Marker(epoch, ys[Math.Max(0, at.i)]);
                marker.Color = palette.GetColor(s.Member);
                marker.Shape = MarkerShape.OpenTriangleUp;
                marker.Size = 11;
            }
        }
        LogPlots.Apply(plot, x: false, y: LogY);
        plot.Title(Title + (Series.Any(s => s.ExploitedAt.Count > 0) ? " (▲ continued from another member's checkpoint)" : ""));
        plot.XLabel("epoch");
        plot.YLabel(YLabel + (LogY ? " (log scale)" : ""));
        plot.ShowLegend(Edge.Right);
        plot.SavePng(path, 950, 550);
    }
}
