using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using ClusterML.Core.Engines;
using ClusterML.Core.Validation;
using TorchSharp.Modules;

namespace ClusterML.Engines.Pinn.Heat;

/// <summary>
/// The exact state of a heat PINN after Adam epoch <see cref="Epoch"/> (a segment of population-based training), as files:
/// <c>pinn.json</c> (the epoch, the settings that shape the network and the point sets, the annealed loss weights, the history
/// so far), <c>pinn.weights</c> (the network, κ included), <c>pinn.adam</c> (Adam's moments and step) and
/// <c>pinn.interior</c> (the current interior collocation points, float64). The sampler's position and the learning rate
/// are not stored: both follow from the seed, the settings and the epoch.
/// </summary>
internal sealed record PinnHeatSegment(
    int Epoch,
    byte[] Weights,
    byte[] Optimizer,
    double[] Interior,
    double WeightBoundary,
    double WeightInitial,
    double WeightData,
    IReadOnlyList<PinnEpoch> History)
{
    public const string StateFile = "pinn.json";
    public const string WeightsFile = "pinn.weights";
    public const string OptimizerFile = "pinn.adam";
    public const string InteriorFile = "pinn.interior";

    private static readonly JsonSerializerOptions Json = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    private sealed record State(int Epoch, SortedDictionary<string, string> Shape, double WeightBoundary, double WeightInitial, double WeightData, List<PinnEpoch> History);

    /// <summary>The settings (snake_case keys) a continued run must share with the state: the network's shape and the point sets.</summary>
    public static SortedDictionary<string, string> Shape(PinnHeatSettings s) => new(StringComparer.Ordinal)
    {
        ["layers"] = s.Layers.ToString(CultureInfo.InvariantCulture),
        ["width"] = s.Width.ToString(CultureInfo.InvariantCulture),
        ["activation"] = s.Activation,
        ["dtype"] = s.Float64 ? "float64" : "float32",
        ["inverse"] = s.Inverse ? "true" : "false",
        ["collocation"] = s.Collocation.ToString(CultureInfo.InvariantCulture),
        ["boundary_points"] = s.BoundaryPoints.ToString(CultureInfo.InvariantCulture),
        ["sampling"] = s.Sampling.ToString(),
        ["constraints"] = s.Constraints.ToString(),
    };

    public static IReadOnlyDictionary<string, byte[]> Write(PinnHeatSettings settings, int epoch, HeatPinnNetwork net, Adam adam, double[] interior,
        double weightBoundary, double weightInitial, double weightData, IReadOnlyList<PinnEpoch> history)
    {
        using var weights = new MemoryStream();
        net.save(weights);
        using var moments = new MemoryStream();
        using (var writer = new BinaryWriter(moments, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            adam.save_state_dict(writer);
        }
        var points = new byte[interior.Length * sizeof(double)];
        Buffer.BlockCopy(interior, 0, points, 0, points.Length);
        var state = new State(epoch, Shape(settings), weightBoundary, weightInitial, weightData, [.. history]);
        return new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            [StateFile] = JsonSerializer.SerializeToUtf8Bytes(state, Json),
            [WeightsFile] = weights.ToArray(),
            [OptimizerFile] = moments.ToArray(),
            [InteriorFile] = points,
        };
    }

    /// <exception cref="InvalidInputException">The files are not a PINN state, or it was trained with other shaping settings (names the setting).</exception>
    public static PinnHeatSegment Read(IReadOnlyDictionary<string, byte[]> files, PinnHeatSettings settings, string from)
    {
        byte[] File(string name) => files.TryGetValue(name, out var bytes)
            ? bytes
            : throw new InvalidInputException("start_from", $"{from} holds no heat PINN state ({name} is missing)");
        var state = JsonSerializer.Deserialize<State>(File(StateFile), Json)!;
        foreach (var (key, value) in Shape(settings))
        {
            TrainingSegments.RequireSame(from, key, state.Shape.GetValueOrDefault(key, "(not recorded)"), value);
        }
        var points = File(InteriorFile);
        var interior = new double[points.Length / sizeof(double)];
        Buffer.BlockCopy(points, 0, interior, 0, points.Length);
        return new PinnHeatSegment(state.Epoch, File(WeightsFile), File(OptimizerFile), interior, state.WeightBoundary, state.WeightInitial, state.WeightData, state.History);
    }
}
