using System.Text.Json;
using System.Text.Json.Serialization;
using ClusterML.Core.IO;
using ClusterML.Core.Validation;
using ClusterML.Engines.FiniteDifferences;
using TorchSharp;
using static TorchSharp.torch;

namespace ClusterML.Engines.Pinn.Heat;

/// <summary>
/// A saved heat PINN: <c>pinn.json</c> (the problem, window, architecture, transforms and the α it ended with) and
/// <c>pinn.weights</c> (TorchSharp's state-dict format, κ included). <see cref="Predict"/> evaluates T at any (x, t) of the
/// window.
/// </summary>
public sealed class PinnHeatModel : IDisposable
{
    public const string MetadataFile = "pinn.json";
    public const string WeightsFile = "pinn.weights";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, Converters = { new JsonStringEnumConverter() } };
    private readonly HeatPinnNetwork _network;

    private PinnHeatModel(PinnHeatSettings settings, HeatPinnNetwork network)
    {
        (Settings, _network) = (settings, network);
    }

    public PinnHeatSettings Settings { get; }

    public double Alpha => _network.Alpha;

    /// <summary>What <c>pinn.json</c> holds.</summary>
    public sealed record Metadata(
        string Format, double Alpha, double Length, double Left, double Right, double Initial, double TEnd, int Layers, int Width,
        string Activation, bool NonDimensional, HeatConstraints Constraints, bool CornerSubtraction, bool Float64, bool Inverse,
        double LearnedAlpha);

    public const string FormatName = "clusterml-pinn-heat-1";

    public static void Save(PinnHeatRun run, string folder)
    {
        Directory.CreateDirectory(folder);
        var s = run.Settings;
        var p = s.Problem;
        var metadata = new Metadata(FormatName, p.Alpha, p.Length, p.Left, p.Right, p.Initial, s.TEnd, s.Layers, s.Width, s.Activation,
            s.NonDimensional, s.Constraints, s.CornerSubtraction, s.Float64, s.Inverse, run.Alpha);
        AtomicFile.Write(Path.Combine(folder, MetadataFile), staged => File.WriteAllText(staged, JsonSerializer.Serialize(metadata, Json)));
        AtomicFile.Write(Path.Combine(folder, WeightsFile), staged => run.Network.save(staged));
    }

    /// <exception cref="InvalidInputException">The folder is not a saved heat PINN, or its files do not match each other.</exception>
    public static PinnHeatModel Load(string folder, string field = "--model")
    {
        var metadataPath = Path.Combine(folder, MetadataFile);
        var weightsPath = Path.Combine(folder, WeightsFile);
        if (!File.Exists(metadataPath) || !File.Exists(weightsPath))
        {
            throw new InvalidInputException(field, $"'{folder}' is not a saved PINN: it needs {MetadataFile} and {WeightsFile} (written by clusterml pinn heat into OUT/model)");
        }
        Metadata m;
        try
        {
            m = JsonSerializer.Deserialize<Metadata>(File.ReadAllText(metadataPath), Json) ?? throw new JsonException("empty");
        }
        catch (JsonException e)
        {
            throw new InvalidInputException(field, $"cannot read {metadataPath}: {e.Message}");
        }
        if (m.Format != FormatName)
        {
            throw new InvalidInputException(field, $"{metadataPath} has format '{m.Format}', expected '{FormatName}'");
        }
        var settings = new PinnHeatSettings
        {
            Problem = new HeatProblem(m.Alpha, m.Length, m.Left, m.Right, m.Initial),
            TEnd = m.TEnd,
            Layers = m.Layers,
            Width = m.Width,
            Activation = m.Activation,
            NonDimensional = m.NonDimensional,
            Constraints = m.Constraints,
            CornerSubtraction = m.CornerSubtraction,
            Float64 = m.Float64,
        };
        var network = new HeatPinnNetwork(settings, m.LearnedAlpha * m.TEnd / (m.Length * m.Length), 0);
        try
        {
            network.load(weightsPath);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or EndOfStreamException)
        {
            network.Dispose();
            throw new InvalidInputException(field, $"{weightsPath} does not match {MetadataFile}: {e.Message}");
        }
        return new PinnHeatModel(settings with { Inverse = m.Inverse }, network);
    }

    /// <summary>T at each (x, t); the points must lie in the rod and the time window (checked by the caller's reader).</summary>
    public double[] Predict(IReadOnlyList<(double X, double T)> points)
    {
        var p = Settings.Problem;
        var flat = new double[points.Count * 2];
        for (var k = 0; k < points.Count; k++)
        {
            flat[2 * k] = points[k].X / p.Length;
            flat[(2 * k) + 1] = points[k].T / Settings.TEnd;
        }
        return _network.Evaluate(flat, CPU);
    }

    public void Dispose() => _network.Dispose();
}
