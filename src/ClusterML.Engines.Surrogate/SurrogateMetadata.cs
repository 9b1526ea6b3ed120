using System.Text.Json.Serialization;

namespace ClusterML.Engines.Surrogate;

/// <summary>
/// <c>model/surrogate.json</c>: everything needed to use a trained surrogate without its training data, and to check that
/// the weight files belong to it. <see cref="FormatVersion"/> changes when the layout changes incompatibly.
/// </summary>
public sealed record SurrogateMetadata(
    [property: JsonPropertyName("format")] string Format,
    [property: JsonPropertyName("format_version")] int FormatVersion,
    [property: JsonPropertyName("target")] ColumnTransform Target,
    [property: JsonPropertyName("inputs")] IReadOnlyList<ColumnTransform> Inputs,
    [property: JsonPropertyName("architecture")] SurrogateArchitecture Architecture,
    [property: JsonPropertyName("members")] IReadOnlyList<SurrogateMemberFile> Members,
    [property: JsonPropertyName("domain")] SurrogateDomain Domain,
    [property: JsonPropertyName("uncertainty")] SurrogateUncertainty Uncertainty,
    [property: JsonPropertyName("metrics")] IReadOnlyDictionary<string, double?> Metrics,
    [property: JsonPropertyName("training")] SurrogateTrainingInfo Training)
{
    public const string FormatName = "clusterml-surrogate";
    public const int CurrentVersion = 1;
}

public sealed record SurrogateArchitecture(
    [property: JsonPropertyName("hidden_layers")] int HiddenLayers,
    [property: JsonPropertyName("width")] int Width,
    [property: JsonPropertyName("activation")] string Activation);

public sealed record SurrogateMemberFile(
    [property: JsonPropertyName("file")] string File,
    [property: JsonPropertyName("seed")] int Seed,
    [property: JsonPropertyName("sha256")] string Sha256,
    [property: JsonPropertyName("epochs")] int Epochs,
    [property: JsonPropertyName("best_epoch")] int BestEpoch,
    [property: JsonPropertyName("best_validation_loss")] double BestValidationLoss);

public sealed record SurrogateDomain(
    [property: JsonPropertyName("neighbors")] int Neighbors,
    [property: JsonPropertyName("distance_threshold")] double DistanceThreshold,
    [property: JsonPropertyName("training_inputs_file")] string TrainingInputsFile);

/// <summary>
/// The factor applied to the members' spread so that standardised errors have unit variance on rows no member trained on
/// (<see cref="CalibrationRows"/>; 0 rows and factor 1 when not calibrated).
/// </summary>
public sealed record SurrogateUncertainty(
    [property: JsonPropertyName("std_scale")] double StdScale,
    [property: JsonPropertyName("calibration_rows")] int CalibrationRows);

public sealed record SurrogateTrainingInfo(
    [property: JsonPropertyName("data")] string Data,
    [property: JsonPropertyName("rows_train")] int RowsTrain,
    [property: JsonPropertyName("rows_test")] int RowsTest,
    [property: JsonPropertyName("seed")] int Seed,
    [property: JsonPropertyName("clusterml_version")] string ClusterMLVersion);
