using ClusterML.Engines.Nep.Model;

namespace ClusterML.Engines.Nep.Training;

/// <summary>One row of loss.csv: an epoch (Adam) or generation (SNES) with the loss and the RMSEs (eV/atom, eV/Å, eV/atom).</summary>
public sealed record NepEpoch(int Epoch, double Total, double L1, double L2, double EnergyTrain, double ForceTrain, double? VirialTrain,
    double? EnergyTest, double? ForceTest, double? VirialTest, double Seconds);

/// <summary>The outcome of a fit: the exported model (energy offset folded into b1), the history, and its predictions.</summary>
public sealed record NepTrainingRun(NepModel Model, IReadOnlyList<NepEpoch> History, NepPredictions Train, NepPredictions? Test, double Seconds);
