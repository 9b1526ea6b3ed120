using ClusterML.Engines.Nep.Model;

namespace ClusterML.Engines.Nep.Training;

/// <summary>One row of loss.csv: an epoch (Adam) or generation (SNES) with the loss and the RMSEs (eV/atom, eV/Å, eV/atom).</summary>
public sealed record NepEpoch(int Epoch, double Total, double L1, double L2, double EnergyTrain, double ForceTrain, double? VirialTrain,
    double? EnergyTest, double? ForceTest, double? VirialTest, double Seconds);

/// <summary>The outcome of a fit: the exported model (energy offset folded into b1), the history, and its predictions.</summary>
public sealed record NepTrainingRun(NepModel Model, IReadOnlyList<NepEpoch> History, NepPredictions Train, NepPredictions? Test, double Seconds);

/// <summary>
/// A model as a fit exports it: the training frames' weighted mean energy offset folded into b1 (GPUMD: b1 += Δ when
/// saving), with its predictions for the training frames and, when given, the test frames.
/// </summary>
public sealed record NepExport(NepModel Model, NepPredictions Train, NepPredictions? Test)
{
    public static NepExport Of(NepModel model, IReadOnlyList<NepFrame> train, IReadOnlyList<NepFrame>? test, int threads)
    {
        var parameters = (double[])model.Parameters.Clone();
        parameters[model.AnnParameterCount - 1] += NepPredictions.Of(model, train, threads).Offset;
        var exported = model.WithParameters(parameters);
        return new NepExport(exported, NepPredictions.Of(exported, train, threads), test is { Count: > 0 } ? NepPredictions.Of(exported, test, threads) : null);
    }
}
