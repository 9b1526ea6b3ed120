using ClusterML.Engines.Pinn.Heat;

namespace ClusterML.Engines.Pinn.Tests.Heat;

/// <summary>The progress of a PINN run counts loss-and-gradient evaluations: an L-BFGS step is 20 of them, an Adam epoch one.</summary>
public sealed class WorkDoneTests
{
    [Fact]
    public void The_default_run_should_be_half_done_when_adam_ends_and_done_after_the_last_lbfgs_step()
    {
        var settings = new PinnHeatSettings { Epochs = 2000, LbfgsSteps = 100 };
        Assert.Equal(0.0, PinnHeatTrainer.WorkDone(settings, 0));
        Assert.Equal(0.25, PinnHeatTrainer.WorkDone(settings, 1000), 12);
        Assert.Equal(0.5, PinnHeatTrainer.WorkDone(settings, 2000), 12);   // counted by epochs it would say 95 %
        Assert.Equal(0.75, PinnHeatTrainer.WorkDone(settings, 2050), 12);
        Assert.Equal(1.0, PinnHeatTrainer.WorkDone(settings, 2100), 12);
    }

    [Fact]
    public void A_run_of_one_phase_should_go_from_0_to_1_evenly()
    {
        Assert.Equal(0.5, PinnHeatTrainer.WorkDone(new PinnHeatSettings { Epochs = 0, LbfgsSteps = 10 }, 5), 12);
        Assert.Equal(0.5, PinnHeatTrainer.WorkDone(new PinnHeatSettings { Epochs = 300, LbfgsSteps = 0 }, 150), 12);
    }
}
