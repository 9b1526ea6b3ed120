using ClusterML.Engines.Nep.Model;

namespace ClusterML.Engines.Nep.Active;

/// <summary>
/// A trained committee: the exported models (energy offset folded into b1) and, per member, the final RMSEs on the frames it
/// was trained on (<paramref name="TrainEnergyRmse"/> eV/atom after the mean offset, <paramref name="TrainForceRmse"/> eV/Å
/// over all force components).
/// </summary>
public sealed record NepCommitteeRun(IReadOnlyList<NepModel> Members, IReadOnlyList<double> TrainEnergyRmse, IReadOnlyList<double> TrainForceRmse);
