using ClusterML.Core.Engines;
using ClusterML.Engines.Nep.Model;
using ClusterML.Engines.Nep.Structures;
using ClusterML.Engines.Nep.Training;

namespace ClusterML.Engines.Nep.Active;

/// <summary>
/// Committee active learning of a NEP potential in one process (DP-GEN's train → explore → label loop, with a fixed pool of
/// candidate structures as the exploration and a teacher model as the oracle). Every random choice derives from the seed:
/// the initial frames (stream 1, identical for both <see cref="NepActiveSelection"/> modes, so the two start from the same
/// set), the committee of round r (stream 100 + r, member k then <c>Seeds.Derive(·, k)</c>) and the selection of round r
/// (stream 200 + r). Knows nothing of actors, files or clocks.
/// </summary>
public static class NepActiveLearning
{
    /// <summary>
    /// Runs <see cref="NepActiveSettings.Rounds"/> selection rounds and a final training round; see <see cref="NepActiveSettings"/>.
    /// </summary>
    /// <param name="settings">The run; validated.</param>
    /// <param name="teacher">The oracle (labels with <see cref="NepOracleLabeller"/>); its species order is the students'.</param>
    /// <param name="pool">Unlabelled candidate structures (type indices in the teacher's species order), at least <see cref="NepActiveSettings.InitialFrames"/>.</param>
    /// <param name="test">Held-out labelled frames on which each round's committee is scored (at least one).</param>
    /// <param name="seed">Decides every random choice.</param>
    /// <param name="progress">Receives each round's record as it completes, or null.</param>
    /// <param name="cancellationToken">Checked between Adam steps and rounds.</param>
    /// <exception cref="ArgumentException">Invalid settings, a pool smaller than the initial set, or no test frames.</exception>
    public static NepActiveRun Run(NepActiveSettings settings, NepModel teacher, IReadOnlyList<NepStructure> pool, IReadOnlyList<NepFrame> test, int seed,
        IProgress<NepActiveRound>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(teacher);
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(test);
        settings = settings.Validated();
        if (pool.Count < settings.InitialFrames)
        {
            throw new ArgumentException($"the pool has {pool.Count} structures, fewer than the {settings.InitialFrames} initial frames", nameof(pool));
        }
        if (test.Count == 0)
        {
            throw new ArgumentException("no held-out test frames", nameof(test));
        }
        var oracle = new NepOracleLabeller(teacher);
        var species = teacher.Species;
        var order = Enumerable.Range(0, pool.Count).ToArray();
        new Random(Seeds.Derive(seed, 1)).Shuffle(order);
        var labelledOrder = order[..settings.InitialFrames].ToList();
        var labelledSet = new HashSet<int>(labelledOrder);
        var frames = new List<NepFrame>(Label(oracle, pool, labelledOrder, settings.Threads));
        var rounds = new List<NepActiveRound>();
        IReadOnlyList<NepModel>? committee = null;
        for (var round = 0; round <= settings.Rounds; round++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var training = committee is null ? settings.Training : settings.Training with { Epochs = settings.FineTuneEpochs };
            var trained = NepCommittee.Train(training, species, frames, settings.Members, Seeds.Derive(seed, 100 + round), committee, cancellationToken);
            committee = trained.Members;
            var (energyRmse, forceRmse, committeeRmse) = Score(committee, test, settings.Threads);

            var unlabelled = Enumerable.Range(0, pool.Count).Where(i => !labelledSet.Contains(i)).ToArray();
            var deviations = CommitteeDeviation.Compute(committee, [.. unlabelled.Select(i => pool[i])], settings.Threads)
                .Select(d => d with { Frame = unlabelled[d.Frame] }).ToArray();
            var limit = settings.BatchSizes is { } sizes && round < sizes.Count ? sizes[round] : settings.Batch;
            var window = TrustWindow.Select(deviations, settings.Low, settings.High, limit, Seeds.Derive(seed, 200 + round));
            IReadOnlyList<int> chosen = [];
            if (round < settings.Rounds)
            {
                if (settings.Selection == NepActiveSelection.Committee)
                {
                    chosen = window.Selected;
                }
                else
                {
                    var shuffled = (int[])unlabelled.Clone();
                    new Random(Seeds.Derive(seed, 200 + round)).Shuffle(shuffled);
                    chosen = [.. shuffled.Take(limit).Order()];
                }
            }
            var (histogram, width) = Histogram(deviations, settings);
            var record = new NepActiveRound(round, frames.Count, chosen.Count, window.Accurate, window.Candidates, window.Failed, histogram, width,
                deviations.Length > 0 ? deviations.Average(d => d.MaxForce) : 0, energyRmse, forceRmse, committeeRmse, trained.TrainForceRmse.Average());
            rounds.Add(record);
            progress?.Report(record);
            frames.AddRange(Label(oracle, pool, chosen, settings.Threads));
            labelledOrder.AddRange(chosen);
            labelledSet.UnionWith(chosen);
        }
        return new NepActiveRun(rounds, committee!, labelledOrder);
    }

    private static IReadOnlyList<NepFrame> Label(NepOracleLabeller oracle, IReadOnlyList<NepStructure> pool, IReadOnlyList<int> indices, int threads)
    {
        var frames = new NepFrame[indices.Count];
        Parallel.For(0, indices.Count, new ParallelOptions { MaxDegreeOfParallelism = threads }, k => frames[k] = oracle.Label(indices[k], pool[indices[k]]));
        return frames;
    }

    /// <summary>Member 0's energy and force RMSE on the test frames, and the RMSE of the members' mean force.</summary>
    internal static (double Energy, double Force, double Committee) Score(IReadOnlyList<NepModel> committee, IReadOnlyList<NepFrame> test, int threads)
    {
        var predictions = committee.Select(m => NepPredictions.Of(m, test, threads)).ToArray();
        double sum = 0;
        long count = 0;
        for (var f = 0; f < test.Count; f++)
        {
            for (var c = 0; c < test[f].Forces.Length; c++)
            {
                var mean = predictions.Average(p => p.Forces[f][c]);
                var d = mean - test[f].Forces[c];
                sum += d * d;
                count++;
            }
        }
        return (predictions[0].EnergyRmse, predictions[0].ForceRmse, Math.Sqrt(sum / count));
    }

    private static (int[] Counts, double Width) Histogram(IReadOnlyList<CommitteeDeviation> deviations, NepActiveSettings settings)
    {
        var width = settings.HistogramWidth;
        var counts = new int[settings.HistogramBins];
        foreach (var d in deviations)
        {
            var bin = double.IsNaN(d.MaxForce) ? settings.HistogramBins - 1 : (int)Math.Min(settings.HistogramBins - 1, Math.Floor(d.MaxForce / width));
            counts[bin]++;
        }
        return (counts, width);
    }
}
