using System.Collections.Immutable;
using ClusterML.Cli.Output;
using ClusterML.Core.Campaigns;
using ClusterML.Core.Results;

namespace ClusterML.Cli.Tests.Output;

public sealed class PbtSchedulePlotTests
{
    private const string Yaml = """
        engine: surrogate
        base: { epochs: 25, data: films.csv, target: k, inputs: [a] }
        space:
          lr: { type: log-uniform, low: 1.0e-4, high: 1.0e-2 }
          activation: { type: choice, values: [tanh, silu] }
        search: { kind: random }
        budget: { max_trials: 2 }
        schedule: { kind: pbt, perturbation_interval: 10 }
        """;

    private static TrialResult Segment(int index, int member, int generation, double lr, string? from, double loss) => new("c", $"t{index:D4}", index,
        ImmutableDictionary<string, string>.Empty.Add("lr", lr.ToString("R", System.Globalization.CultureInfo.InvariantCulture)).Add("activation", "silu")
            .Add(Pbt.MemberKey, $"{member}").Add(Pbt.GenerationKey, $"{generation}").AddRange(from is null ? [] : [KeyValuePair.Create(Pbt.FromKey, from)]),
        1, TrialStatus.Completed, loss, ImmutableDictionary<string, double>.Empty, null, [], "n", 1, 0, 1);

    [Fact]
    public void The_schedule_should_step_each_members_value_per_segment_and_mark_where_it_took_another_members_checkpoint()
    {
        var spec = CampaignSpecReader.Parse(Yaml, "/p.yaml");
        // Two members, three segments (to epochs 10, 20, 25); member 0 takes member 1's checkpoint for segment 1.
        TrialResult[] results =
        [
            Segment(0, 0, 0, 1e-3, null, 0.9), Segment(1, 1, 0, 5e-3, null, 0.5),
            Segment(2, 0, 1, 6e-3, "t0001", 0.3), Segment(3, 1, 1, 5e-3, "t0001", 0.4),
            Segment(4, 0, 2, 6e-3, "t0002", 0.2), Segment(5, 1, 2, 5e-3, "t0003", 0.35),
        ];
        var plots = PbtSchedulePlot.Of(spec, results);
        Assert.Equal(["pbt_lr.png", "pbt_loss.png"], plots.Select(p => p.File)); // no plot for the choice axis
        var lr = plots[0];
        Assert.True(lr.LogY);
        Assert.Equal([(0.0, 1e-3), (10.0, 1e-3), (10.0, 6e-3), (20.0, 6e-3), (20.0, 6e-3), (25.0, 6e-3)], lr.Series[0].Points);
        Assert.Equal([10.0], lr.Series[0].ExploitedAt);
        Assert.Empty(lr.Series[1].ExploitedAt);
        var loss = plots[1];
        Assert.Equal([(10.0, 0.9), (20.0, 0.3), (25.0, 0.2)], loss.Series[0].Points);

        var path = Path.Combine(Path.GetTempPath(), $"pbt-{Guid.NewGuid():N}.png");
        lr.Draw(path);
        Assert.True(new FileInfo(path).Length > 10_000);
        File.Delete(path);
        Assert.Empty(PbtSchedulePlot.Of(CampaignSpecReader.Parse(Yaml.Replace("schedule: { kind: pbt, perturbation_interval: 10 }", "", StringComparison.Ordinal), "/p.yaml"), results));
    }
}
