using System.Collections.Immutable;
using ClusterML.Core.Campaigns;
using ClusterML.Core.Engines;

namespace ClusterML.Engines.Exec.Tests;

/// <summary>The example campaigns read, plan and run one trial each (the first value of every axis) through the engine.</summary>
public sealed class ExecExamplesTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static string Example(string file)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ClusterML.sln")))
        {
            dir = dir.Parent;
        }
        return Path.Combine(dir?.FullName ?? throw new InvalidOperationException("ClusterML.sln not found"), "config", "campaigns", file);
    }

    private static ImmutableDictionary<string, CampaignValue> FirstPoint(CampaignSpec campaign) =>
        campaign.Space.Aggregate(campaign.Base, (settings, axis) => settings.SetItem(axis.Name, axis switch
        {
            ChoiceSpace c => c.Values[0],
            IntSpace i => new CampaignValue.Integer(i.Low),
            UniformSpace u => new CampaignValue.Real(u.High),
            LogUniformSpace l => new CampaignValue.Real(l.Low),
            _ => throw new InvalidOperationException(axis.Name),
        }));

    [Fact]
    public void The_python_example_should_report_its_error_every_twentieth_of_the_run_and_return_its_profile()
    {
        var campaign = CampaignSpecReader.Read(Example("exec-python.yaml"));
        Assert.Equal("exec", campaign.Engine);
        var spec = ExecSettings.Read(FirstPoint(campaign), campaign.SourcePath);
        var reports = new List<TrainingProgress>();
        var outcome = new ExecEngine().Train(spec, new RunContext(1, Progress: new Sync(reports.Add), ArtifactDirectory: _folder.Path), CancellationToken.None);
        Assert.Equal(Enumerable.Range(1, 20), reports.Select(r => r.Epoch));
        Assert.InRange(outcome.FinalLoss, 1e-3, 1e-2); // explicit FD at nx = 21, r = 0.5: a relative L2 error of about 4e-3
        Assert.Equal(80, outcome.Metrics!["steps"]); // nx = 21, r = 0.5: dt = r dx² / α = 1.25e-3, t_end / dt = 80 (from metrics.json)
        Assert.Equal([ExecEngine.StdoutFile, "metrics.json", "profile.csv"], outcome.Artifacts!);
        Assert.False(File.Exists(Path.Combine(_folder.Path, "sim.py")));
    }

    [Fact]
    public void The_bash_example_should_relax_the_dimer_and_return_the_compressed_trajectory()
    {
        var campaign = CampaignSpecReader.Read(Example("exec-bash.yaml"));
        var spec = ExecSettings.Read(FirstPoint(campaign), campaign.SourcePath);
        Assert.True(spec.Shell);
        var outcome = new ExecEngine().Train(spec, new RunContext(1, ArtifactDirectory: _folder.Path), CancellationToken.None);
        Assert.Equal(60, outcome.LossCurve.Count);
        Assert.True(outcome.LossCurve[^1] < outcome.LossCurve[0], "the energy falls towards the minimum");
        Assert.InRange(outcome.Metrics!["r"], 1.0, 1.1225); // from 1.0 towards 2^(1/6) with a small step
        Assert.Equal([ExecEngine.StdoutFile, "trajectory.csv", "trajectory.csv.gz"], outcome.Artifacts!);
    }

    private sealed class Sync(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
