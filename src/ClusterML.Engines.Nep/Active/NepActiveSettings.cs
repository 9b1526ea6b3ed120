using ClusterML.Engines.Nep.Training;

namespace ClusterML.Engines.Nep.Active;

/// <summary>
/// An active-learning run of <see cref="NepActiveLearning"/>: <see cref="InitialFrames"/> random pool frames labelled first,
/// then <see cref="Rounds"/> rounds that each train a committee of <see cref="Members"/> models (<see cref="Training"/>:
/// architecture and Adam; from round 1 on fine-tuned from the previous round's committee for <see cref="FineTuneEpochs"/>
/// epochs), pick up to <see cref="Batch"/> (or <see cref="BatchSizes"/>[r]) unlabelled pool frames (<see cref="Selection"/>; committee mode through the trust
/// window [<see cref="Low"/>, <see cref="High"/>) eV/Å on the max force deviation) and label them; a last committee is trained
/// on everything labelled. <see cref="Threads"/> cores evaluate frames side by side (the output never depends on it).
/// </summary>
public sealed record NepActiveSettings
{
    public required NepTrainingSettings Training { get; init; }

    /// <summary>Adam epochs when a member continues from the previous round (≥ 1).</summary>
    public int FineTuneEpochs { get; init; } = 20;

    /// <summary>Committee size K (≥ 2 for a deviation; 1 is allowed for random selection).</summary>
    public int Members { get; init; } = 4;

    public int InitialFrames { get; init; } = 10;

    /// <summary>Selection rounds (≥ 0); the run trains Rounds + 1 committees.</summary>
    public int Rounds { get; init; } = 4;

    /// <summary>At most this many frames are labelled per round (≥ 1).</summary>
    public int Batch { get; init; } = 10;

    /// <summary>
    /// Per-round limits that replace <see cref="Batch"/> for round r &lt; its length (each ≥ 0), or null. A random-selection
    /// baseline given a committee run's selected counts labels exactly as many frames per round.
    /// </summary>
    public IReadOnlyList<int>? BatchSizes { get; init; }

    /// <summary>Trust window lower bound on the max force deviation (eV/Å).</summary>
    public double Low { get; init; } = 0.05;

    /// <summary>Trust window upper bound (eV/Å); +∞ for none.</summary>
    public double High { get; init; } = 0.5;

    public NepActiveSelection Selection { get; init; } = NepActiveSelection.Committee;

    /// <summary>Bins of the per-round histogram of the unlabelled pool's max force deviation, each <see cref="HistogramWidth"/> wide from 0; the last also holds everything above.</summary>
    public int HistogramBins { get; init; } = 10;

    /// <summary>Width of a histogram bin (eV/Å, &gt; 0).</summary>
    public double HistogramWidth { get; init; } = 0.01;

    public int Threads { get; init; } = 1;

    /// <summary>Checks the settings (and <see cref="Training"/>) and returns them.</summary>
    /// <exception cref="ArgumentException">A value out of range.</exception>
    public NepActiveSettings Validated()
    {
        _ = Training.Validated();
        ArgumentOutOfRangeException.ThrowIfLessThan(FineTuneEpochs, 1, nameof(FineTuneEpochs));
        ArgumentOutOfRangeException.ThrowIfLessThan(Members, 1, nameof(Members));
        ArgumentOutOfRangeException.ThrowIfLessThan(InitialFrames, 1, nameof(InitialFrames));
        ArgumentOutOfRangeException.ThrowIfNegative(Rounds, nameof(Rounds));
        ArgumentOutOfRangeException.ThrowIfLessThan(Batch, 1, nameof(Batch));
        ArgumentOutOfRangeException.ThrowIfLessThan(HistogramBins, 1, nameof(HistogramBins));
        ArgumentOutOfRangeException.ThrowIfLessThan(Threads, 1, nameof(Threads));
        if (!double.IsFinite(HistogramWidth) || HistogramWidth <= 0)
        {
            throw new ArgumentException($"the histogram bin width must be > 0 eV/Å (got {HistogramWidth})", nameof(HistogramWidth));
        }
        if (BatchSizes is not null && BatchSizes.Any(b => b < 0))
        {
            throw new ArgumentException("per-round batch sizes must be ≥ 0", nameof(BatchSizes));
        }
        if (!double.IsFinite(Low) || Low < 0 || double.IsNaN(High) || High <= Low)
        {
            throw new ArgumentException($"the trust window needs 0 ≤ low < high (got [{Low}, {High}))", nameof(Low));
        }
        if (Selection == NepActiveSelection.Committee && Members < 2)
        {
            throw new ArgumentException("committee selection needs at least two members", nameof(Members));
        }
        return this;
    }
}
