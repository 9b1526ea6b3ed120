namespace ClusterML.Engines.Nep.Active;

/// <summary>
/// One round of <see cref="NepActiveLearning"/>: the committee trained on <paramref name="Labelled"/> frames, then
/// <paramref name="Selected"/> new pool frames chosen (0 in the last, training-only round). <paramref name="Accurate"/>,
/// <paramref name="Candidates"/>, <paramref name="Failed"/>: the unlabelled pool frames below, inside and at or above the trust
/// window (max force deviation); <paramref name="Histogram"/> counts them in <see cref="NepActiveSettings.HistogramBins"/> bins
/// of width <paramref name="BinWidth"/> eV/Å (the last bin open-ended). On the held-out test frames: member 0's
/// <paramref name="EnergyRmse"/> (eV/atom, after its mean offset) and <paramref name="ForceRmse"/> (eV/Å), and the force RMSE
/// of the committee's mean force <paramref name="CommitteeForceRmse"/>; <paramref name="TrainForceRmse"/> is the members' mean
/// force RMSE on the labelled frames; <paramref name="MeanMaxDeviation"/> the unlabelled pool's mean max force deviation (eV/Å).
/// </summary>
public sealed record NepActiveRound(
    int Round,
    int Labelled,
    int Selected,
    int Accurate,
    int Candidates,
    int Failed,
    IReadOnlyList<int> Histogram,
    double BinWidth,
    double MeanMaxDeviation,
    double EnergyRmse,
    double ForceRmse,
    double CommitteeForceRmse,
    double TrainForceRmse);
