using ClusterML.Engines.Nep.Active;
using ClusterML.Engines.Nep.Tests.Training;

namespace ClusterML.Engines.Nep.Tests.Active;

[Collection("Torch")]
public sealed class NepActiveLearningTests
{
    private static NepActiveSettings Settings(NepActiveSelection selection) => new()
    {
        Training = ActiveFixtures.Tiny, FineTuneEpochs = 2, Members = 2, InitialFrames = 4, Rounds = 2, Batch = 3,
        Low = 0, High = double.PositiveInfinity, Selection = selection, Threads = 2, HistogramBins = 4, HistogramWidth = 0.001,
    };

    [Fact]
    public void Two_rounds_should_label_more_frames_each_round_and_repeat_exactly_from_the_seed()
    {
        var pool = MorseFrames.Make(20, 21).Select(f => f.Structure).ToArray();
        var test = new NepOracleLabeller(ActiveFixtures.Teacher).Label([.. MorseFrames.Make(3, 22).Select(f => f.Structure)]);
        var run = NepActiveLearning.Run(Settings(NepActiveSelection.Committee), ActiveFixtures.Teacher, pool, test, seed: 4);
        Assert.Equal(new[] { 0, 1, 2 }, run.Rounds.Select(r => r.Round));
        Assert.Equal(new[] { 4, 7, 10 }, run.Rounds.Select(r => r.Labelled));
        Assert.Equal(new[] { 3, 3, 0 }, run.Rounds.Select(r => r.Selected));
        Assert.Equal(10, run.Labelled.Distinct().Count());
        Assert.Equal(2, run.Committee.Count);
        foreach (var round in run.Rounds)
        {
            // Low = 0: every unlabelled pool frame is in the window; the histogram counts each of them once.
            Assert.Equal(pool.Length - round.Labelled, round.Candidates);
            Assert.Equal(0, round.Accurate + round.Failed);
            Assert.Equal(pool.Length - round.Labelled, round.Histogram.Sum());
            Assert.True(double.IsFinite(round.ForceRmse) && double.IsFinite(round.CommitteeForceRmse) && round.MeanMaxDeviation > 0);
        }

        var again = NepActiveLearning.Run(Settings(NepActiveSelection.Committee), ActiveFixtures.Teacher, pool, test, seed: 4);
        Assert.Equal(run.Labelled, again.Labelled);
        Assert.Equal(run.Committee[1].Parameters, again.Committee[1].Parameters);

        // The random baseline starts from the same initial frames, then picks its own; per-round sizes can be imposed.
        var random = NepActiveLearning.Run(Settings(NepActiveSelection.Random) with { BatchSizes = [2, 1] }, ActiveFixtures.Teacher, pool, test, seed: 4);
        Assert.Equal(run.Labelled.Take(4), random.Labelled.Take(4));
        Assert.Equal(new[] { 4, 6, 7 }, random.Rounds.Select(r => r.Labelled));
    }

    [Fact]
    public void A_committee_that_agrees_everywhere_should_select_nothing()
    {
        var pool = MorseFrames.Make(8, 31).Select(f => f.Structure).ToArray();
        var test = new NepOracleLabeller(ActiveFixtures.Teacher).Label([pool[0]]);
        var run = NepActiveLearning.Run(Settings(NepActiveSelection.Committee) with { Low = 100, High = 200, Rounds = 1 }, ActiveFixtures.Teacher, pool, test, seed: 1);
        Assert.Equal(new[] { 0, 0 }, run.Rounds.Select(r => r.Selected));
        Assert.Equal(pool.Length - 4, run.Rounds[0].Accurate);
    }
}
