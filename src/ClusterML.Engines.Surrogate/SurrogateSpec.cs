using ClusterML.Core.Files;
using ClusterML.Core.Validation;
using MessagePack;

using ClusterML.Core.Specs;

namespace ClusterML.Engines.Surrogate;

/// <summary>
/// A surrogate model: an ensemble of MLPs that learns <see cref="Target"/> from the <see cref="Inputs"/> columns of the CSV at
/// <see cref="DataPath"/>. Rows are split once (seeded) into train and test sets; each member draws a validation split and,
/// when <see cref="Bootstrap"/> is on and there are several members, a bootstrap sample of the remaining training rows.
/// <see cref="Member"/> set to k trains only member k (the unit of work a cluster spreads); null trains them all.
/// With several members, <see cref="CalibrationFraction"/> of the training rows are kept from every member and used to
/// scale the ensemble's standard deviation so that it matches the errors it should describe (z-scaling).
/// In a campaign, <see cref="DataBlob"/> names the data by content and <see cref="DataPath"/> is resolved on the worker.
/// Keys are the wire contract: append, never renumber.
/// </summary>
[MessagePackObject]
public sealed record SurrogateSpec(
    [property: Key(0)] string DataPath,
    [property: Key(1)] string Target,
    [property: Key(2)] IReadOnlyList<string> Inputs,
    [property: Key(3)] IReadOnlyList<string> LogColumns,
    [property: Key(4)] bool LogAuto = true,
    [property: Key(5)] int HiddenLayers = 3,
    [property: Key(6)] int Width = 64,
    [property: Key(7)] string Activation = "silu",
    [property: Key(8)] int Epochs = 1000,
    [property: Key(9)] int BatchSize = 128,
    [property: Key(10)] double LearningRate = 3e-3,
    [property: Key(11)] double WeightDecay = 0.0,
    [property: Key(12)] int Patience = 100,
    [property: Key(13)] double ValidationFraction = 0.15,
    [property: Key(14)] double TestFraction = 0.2,
    [property: Key(15)] int EnsembleSize = 5,
    [property: Key(16)] int? Member = null,
    [property: Key(17)] bool Bootstrap = true,
    [property: Key(18)] int Neighbors = 5,
    [property: Key(19)] string Schedule = "cosine",
    [property: Key(20)] double CalibrationFraction = 0.1,
    [property: Key(21)] BlobRef? DataBlob = null) : ITrialSpec, IReadsFiles
{
    /// <inheritdoc/>
    [IgnoreMember]
    public IReadOnlyList<InputFile> InputFiles => [new("data", DataPath, DataBlob)];

    /// <inheritdoc/>
    public ITrialSpec WithInputFiles(IReadOnlyList<InputFile> inputs) => this with { DataPath = inputs[0].Path, DataBlob = inputs[0].Blob };

    /// <summary>Activations the MLP supports.</summary>
    public static IReadOnlyList<string> Activations { get; } = ["tanh", "relu", "silu", "gelu"];

    /// <summary>Learning-rate schedules: cosine decay to 1 % over <see cref="Epochs"/>, or constant.</summary>
    public static IReadOnlyList<string> Schedules { get; } = ["cosine", "constant"];

    /// <summary>Checks every setting; field names are the command-line options.</summary>
    /// <exception cref="InvalidInputException">A setting is out of range.</exception>
    public SurrogateSpec Validated()
    {
        if (string.IsNullOrWhiteSpace(DataPath))
        {
            throw new InvalidInputException("--data", "must name a CSV file");
        }
        if (string.IsNullOrWhiteSpace(Target))
        {
            throw new InvalidInputException("--target", "must name a column of the data");
        }
        Require.AtLeast("--layers", HiddenLayers, 1);
        Require.AtLeast("--width", Width, 1);
        Require.AtLeast("--epochs", Epochs, 1);
        Require.AtLeast("--batch-size", BatchSize, 1);
        Require.Positive("--lr", LearningRate);
        if (!double.IsFinite(WeightDecay) || WeightDecay < 0)
        {
            throw new InvalidInputException("--weight-decay", $"must be ≥ 0 (got {Require.Show(WeightDecay)})");
        }
        Require.AtLeast("--patience", Patience, 1);
        InOpenUnit("--validation-fraction", ValidationFraction);
        InOpenUnit("--test-fraction", TestFraction);
        Require.AtLeast("--ensemble", EnsembleSize, 1);
        if (Member is { } m && (m < 0 || m >= EnsembleSize))
        {
            throw new InvalidInputException("--member", $"must be between 0 and {EnsembleSize - 1} (got {m})");
        }
        Require.AtLeast("--neighbors", Neighbors, 1);
        if (!(CalibrationFraction >= 0 && CalibrationFraction < 0.5))
        {
            throw new InvalidInputException("--calibration-fraction", $"must be in [0, 0.5) (got {Require.Show(CalibrationFraction)})");
        }
        if (!Activations.Contains(Activation))
        {
            throw new InvalidInputException("--activation", $"'{Activation}' is not one of {string.Join(", ", Activations)}");
        }
        if (!Schedules.Contains(Schedule))
        {
            throw new InvalidInputException("--schedule", $"'{Schedule}' is not one of {string.Join(", ", Schedules)}");
        }
        if (Inputs.Contains(Target))
        {
            throw new InvalidInputException("--inputs", $"the target '{Target}' cannot also be an input");
        }
        return this;
    }

    private static void InOpenUnit(string field, double value)
    {
        if (!(value > 0 && value < 0.9))
        {
            throw new InvalidInputException(field, $"must be in (0, 0.9) (got {Require.Show(value)})");
        }
    }
}
