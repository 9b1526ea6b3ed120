using System.Security.Cryptography;
using System.Text.Json;
using ClusterML.Core.IO;
using ClusterML.Core.Validation;
using TorchSharp;
using static TorchSharp.torch;

namespace ClusterML.Engines.Surrogate;

/// <summary>
/// A trained surrogate ensemble ready to predict: the metadata, one network per member and the domain guard.
/// Predicting is thread-safe only from one thread at a time per instance; load one instance per thread for parallel use.
/// </summary>
public sealed class SurrogateModel : IDisposable
{
    /// <summary>File name of the metadata inside a model folder.</summary>
    public const string MetadataFile = "surrogate.json";

    private const int PredictChunk = 65_536;
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };
    private readonly MlpRegressor[] _members;

    private readonly bool _ownsMembers;

    internal SurrogateModel(SurrogateMetadata metadata, MlpRegressor[] members, DomainGuard guard, double[][] trainingRaw, bool ownsMembers = true)
    {
        _ownsMembers = ownsMembers;
        Metadata = metadata;
        _members = members;
        Guard = guard;
        TrainingInputs = trainingRaw;
        foreach (var member in _members)
        {
            member.eval();
        }
    }

    public SurrogateMetadata Metadata { get; }

    public DomainGuard Guard { get; }

    /// <summary>The training inputs in raw units (rows × inputs), kept for the domain check and partial dependence.</summary>
    public double[][] TrainingInputs { get; }

    public IReadOnlyList<string> InputNames => Metadata.Inputs.Select(i => i.Name).ToArray();

    /// <summary>Predicts every row of <paramref name="raw"/> (rows × inputs, raw units, in <see cref="InputNames"/> order).</summary>
    public SurrogatePrediction Predict(double[][] raw, bool checkDomain = true)
    {
        var inputs = Metadata.Inputs.Count;
        var standardised = new float[raw.Length * inputs];
        for (var r = 0; r < raw.Length; r++)
        {
            for (var c = 0; c < inputs; c++)
            {
                standardised[(r * inputs) + c] = (float)Metadata.Inputs[c].Forward(raw[r][c]);
            }
        }
        var members = new double[_members.Length][];
        for (var m = 0; m < _members.Length; m++)
        {
            members[m] = new double[raw.Length];
        }
        using (no_grad())
        using (var scope = NewDisposeScope())
        {
            var all = tensor(standardised, [raw.Length, inputs], dtype: float32);
            for (var start = 0; start < raw.Length; start += PredictChunk)
            {
                using var chunkScope = NewDisposeScope();
                var count = Math.Min(PredictChunk, raw.Length - start);
                var x = all.narrow(0, start, count);
                for (var m = 0; m < _members.Length; m++)
                {
                    var z = _members[m].forward(x).data<float>();
                    var target = Metadata.Target;
                    var output = members[m];
                    for (var i = 0; i < count; i++)
                    {
                        output[start + i] = target.Inverse(z[i]);
                    }
                }
            }
        }
        var mean = new double[raw.Length];
        var std = new double[raw.Length];
        var scale = Metadata.Uncertainty.StdScale;
        for (var i = 0; i < raw.Length; i++)
        {
            double sum = 0;
            foreach (var member in members)
            {
                sum += member[i];
            }
            mean[i] = sum / members.Length;
            if (members.Length > 1)
            {
                double squares = 0;
                foreach (var member in members)
                {
                    squares += (member[i] - mean[i]) * (member[i] - mean[i]);
                }
                std[i] = scale * Math.Sqrt(squares / (members.Length - 1));
            }
        }
        var ood = checkDomain ? Guard.Check(raw, standardised) : new bool[raw.Length];
        return new SurrogatePrediction(mean, std, ood, members);
    }

    /// <summary>Raw rows → standardised model space.</summary>
    public double[][] Standardise(double[][] raw) =>
        raw.Select(row => row.Select((v, c) => Metadata.Inputs[c].Forward(v)).ToArray()).ToArray();

    /// <summary>Reads the model's input columns from <paramref name="table"/>, in model order.</summary>
    /// <exception cref="InvalidInputException">A model input is missing from the CSV or not numeric (names file, line and column).</exception>
    public double[][] InputsFrom(CsvTable table)
    {
        var missing = InputNames.Where(n => !table.Has(n)).ToArray();
        if (missing.Length > 0)
        {
            throw new InvalidInputException(missing[0],
                $"column is missing; the model needs {string.Join(", ", InputNames)} (missing: {string.Join(", ", missing)})", table.Path, 1);
        }
        var columns = InputNames.Select(table.Numeric).ToArray();
        return Enumerable.Range(0, table.Count).Select(r => columns.Select(c => c[r]).ToArray()).ToArray();
    }

    /// <summary>Writes the model folder's files through <paramref name="pathFor"/> (e.g. an atomic output's staging paths).</summary>
    internal static void Save(SurrogateMetadata metadata, IReadOnlyList<MemberResult> members, double[][] trainingRaw, Func<string, string> pathFor)
    {
        foreach (var (file, member) in metadata.Members.Zip(members))
        {
            File.WriteAllBytes(pathFor(file.File), member.Weights);
        }
        CsvTable.Write(pathFor(metadata.Domain.TrainingInputsFile), metadata.Inputs.Select(i => i.Name).ToArray(),
            trainingRaw.Select(row => (IReadOnlyList<string>)row.Select(CsvTable.Format).ToArray()));
        File.WriteAllText(pathFor(MetadataFile), JsonSerializer.Serialize(metadata, Json) + "\n");
    }

    internal static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>Loads a model folder written by <c>surrogate train</c>.</summary>
    /// <exception cref="InvalidInputException">Missing files, an unknown format, or weights that do not match the metadata.</exception>
    public static SurrogateModel Load(string directory, string field = "--model")
    {
        var metadataPath = Path.Combine(directory, MetadataFile);
        if (!File.Exists(metadataPath))
        {
            throw new InvalidInputException(field, $"'{directory}' is not a surrogate model folder (no {MetadataFile})");
        }
        SurrogateMetadata metadata;
        try
        {
            metadata = JsonSerializer.Deserialize<SurrogateMetadata>(File.ReadAllText(metadataPath))
                ?? throw new JsonException("empty document");
        }
        catch (JsonException ex)
        {
            throw new InvalidInputException(field, $"cannot read the metadata: {ex.Message}", metadataPath, (int?)ex.LineNumber + 1);
        }
        if (metadata.Format != SurrogateMetadata.FormatName || metadata.FormatVersion != SurrogateMetadata.CurrentVersion)
        {
            throw new InvalidInputException("format", $"is '{metadata.Format}' version {metadata.FormatVersion}; this ClusterML reads '{SurrogateMetadata.FormatName}' version {SurrogateMetadata.CurrentVersion}", metadataPath);
        }
        if (metadata.Inputs is not { Count: > 0 } || metadata.Members is not { Count: > 0 } || metadata.Uncertainty is null || metadata.Domain is null)
        {
            throw new InvalidInputException("inputs/members/domain/uncertainty", "are missing or empty", metadataPath);
        }
        var members = new MlpRegressor[metadata.Members.Count];
        for (var m = 0; m < members.Length; m++)
        {
            var file = metadata.Members[m];
            var path = Path.Combine(directory, file.File);
            if (!File.Exists(path))
            {
                throw new InvalidInputException(field, $"member file '{file.File}' named in {MetadataFile} is missing", directory);
            }
            var bytes = File.ReadAllBytes(path);
            if (Sha256(bytes) != file.Sha256)
            {
                throw new InvalidInputException(file.File, $"does not match the checksum recorded in {MetadataFile}: the weights were changed or belong to another model", path);
            }
            var member = new MlpRegressor(metadata.Inputs.Count, metadata.Architecture.HiddenLayers, metadata.Architecture.Width, metadata.Architecture.Activation, file.Seed);
            try
            {
                using var stream = new MemoryStream(bytes);
                member.load(stream);
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or IOException)
            {
                member.Dispose();
                throw new InvalidInputException(file.File, $"does not fit the architecture in {MetadataFile} ({metadata.Inputs.Count} inputs, {metadata.Architecture.HiddenLayers}×{metadata.Architecture.Width}): {ex.Message}", path);
            }
            members[m] = member;
        }
        var training = CsvTable.Read(Path.Combine(directory, metadata.Domain.TrainingInputsFile), field);
        var trainingRaw = metadata.Inputs.Select(i => training.Numeric(i.Name)).ToArray();
        var rows = Enumerable.Range(0, training.Count).Select(r => trainingRaw.Select(c => c[r]).ToArray()).ToArray();
        var standardised = rows.Select(row => row.Select((v, c) => metadata.Inputs[c].Forward(v)).ToArray()).ToArray();
        var guard = new DomainGuard(metadata.Inputs, standardised, metadata.Domain.Neighbors, metadata.Domain.DistanceThreshold);
        return new SurrogateModel(metadata, members, guard, rows);
    }

    public void Dispose()
    {
        if (!_ownsMembers)
        {
            return;
        }
        foreach (var member in _members)
        {
            member.Dispose();
        }
    }
}
