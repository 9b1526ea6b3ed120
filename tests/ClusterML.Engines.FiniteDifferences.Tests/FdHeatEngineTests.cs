using ClusterML.Core.Engines;
using ClusterML.Core.Specs;
using ClusterML.Core.Validation;
using ClusterML.Engines.FiniteDifferences;

namespace ClusterML.Engines.FiniteDifferences.Tests;

public sealed class FdHeatEngineTests
{
    [Fact]
    public void The_engine_should_report_the_solver_error_as_its_loss_and_ten_progress_steps()
    {
        var reports = new List<TrainingProgress>();
        var outcome = new FdHeatEngine().Train(new FdHeatTrialSpec(Alpha: 1, Nx: 41, TEnd: 0.1, R: 0.5), new RunContext(0, Progress: new Sync(reports.Add)), CancellationToken.None);
        var direct = FdHeatSolver.Solve(new FdHeatSettings(new HeatProblem(Alpha: 1), Nx: 41, TEnd: 0.1, R: 0.5));
        Assert.Equal(direct.Error.MaxAbs!.Value, outcome.FinalLoss);
        Assert.InRange(outcome.FinalLoss, 1e-4, 1e-2); // M = 40, r = 1/2, errors at τ = 0.01…0.1
        Assert.Equal(outcome.FinalLoss, outcome.Metrics!["max_abs_error_vs_analytic"]);
        Assert.Equal(Enumerable.Range(1, 10), reports.Select(r => r.Epoch));
    }

    [Fact]
    public void A_bad_spec_should_be_refused_naming_the_field()
    {
        var engine = new FdHeatEngine();
        Assert.Equal("--r", Assert.Throws<InvalidInputException>(() => engine.Train(new FdHeatTrialSpec(R: 0.9), new RunContext(0), CancellationToken.None)).Field);
        Assert.Equal("scheme", Assert.Throws<InvalidInputException>(() => engine.Train(new FdHeatTrialSpec(Scheme: "leapfrog"), new RunContext(0), CancellationToken.None)).Field);
        Assert.False(engine.Accepts(new OtherSpec()));
    }

    private sealed class Sync(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }

    private sealed record OtherSpec : ITrialSpec;
}
