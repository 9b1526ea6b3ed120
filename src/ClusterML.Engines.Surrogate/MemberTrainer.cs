using System.Diagnostics;
using ClusterML.Core.Engines;
using ClusterML.Core.Specs;
using TorchSharp;
using static TorchSharp.torch;

namespace ClusterML.Engines.Surrogate;

/// <summary>The outcome of training one ensemble member.</summary>
public sealed record MemberResult(
    int Index,
    int Seed,
    byte[] Weights,
    int Epochs,
    int BestEpoch,
    double BestValidationLoss,
    double[] TrainLoss,
    double[] ValidationLoss,
    double Seconds);

/// <summary>
/// Trains one MLP on standardised data with Adam, mini-batches, a cosine (or constant) learning-rate schedule and early
/// stopping on the validation loss (MSE in standardised target units); the weights of the best epoch are kept.
/// Deterministic for a seed on the CPU: batch order and initial weights come from private generators.
/// </summary>
internal static class MemberTrainer
{
    public static MemberResult Train(
        SurrogateSpec spec,
        int index,
        int seed,
        double[][] xTrain,
        double[] yTrain,
        double[][] xValidation,
        double[] yValidation,
        Device device,
        IProgress<TrainingProgress>? progress,
        CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        using var outer = NewDisposeScope();
        var x = ToTensor(xTrain, device);
        var y = tensor(yTrain.Select(v => (float)v).ToArray(), dtype: float32, device: device).unsqueeze(1);
        var xv = ToTensor(xValidation, device);
        var yv = tensor(yValidation.Select(v => (float)v).ToArray(), dtype: float32, device: device).unsqueeze(1);

        using var model = new MlpRegressor(xTrain[0].Length, spec.HiddenLayers, spec.Width, spec.Activation, seed);
        model.to(device);
        using var optimizer = optim.Adam(model.parameters(), lr: spec.LearningRate, weight_decay: spec.WeightDecay);
        var scheduler = spec.Schedule == "cosine"
            ? optim.lr_scheduler.CosineAnnealingLR(optimizer, spec.Epochs, eta_min: spec.LearningRate * 0.01)
            : null;
        using var batchOrder = new Generator((ulong)Seeds.Derive(seed, 1));

        var n = xTrain.Length;
        var batch = Math.Min(spec.BatchSize, n);
        var trainLoss = new List<double>();
        var validationLoss = new List<double>();
        var best = double.PositiveInfinity;
        var bestEpoch = 0;
        var bestState = SaveWeights(model);
        for (var epoch = 1; epoch <= spec.Epochs; epoch++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            model.train();
            double sum = 0;
            using (var epochScope = NewDisposeScope())
            {
                var permutation = randperm(n, generator: batchOrder).to(device);
                for (var start = 0; start < n; start += batch)
                {
                    using var step = NewDisposeScope();
                    var idx = permutation.narrow(0, start, Math.Min(batch, n - start));
                    var prediction = model.forward(x.index_select(0, idx));
                    var loss = nn.functional.mse_loss(prediction, y.index_select(0, idx));
                    optimizer.zero_grad();
                    loss.backward();
                    optimizer.step();
                    sum += loss.item<float>() * idx.shape[0];
                }
            }
            scheduler?.step();
            trainLoss.Add(sum / n);

            model.eval();
            double validation;
            using (no_grad())
            using (var evalScope = NewDisposeScope())
            {
                validation = nn.functional.mse_loss(model.forward(xv), yv).item<float>();
            }
            validationLoss.Add(validation);
            if (validation < best)
            {
                best = validation;
                bestEpoch = epoch;
                bestState = SaveWeights(model);
            }
            progress?.Report(new TrainingProgress($"member {index + 1}/{spec.EnsembleSize}", epoch, spec.Epochs, sum / n, validation));
            if (epoch - bestEpoch >= spec.Patience)
            {
                break;
            }
        }
        return new MemberResult(index, seed, bestState, trainLoss.Count, bestEpoch, best, [.. trainLoss], [.. validationLoss], clock.Elapsed.TotalSeconds);
    }

    internal static Tensor ToTensor(double[][] rows, Device device) =>
        tensor(Flatten(rows), [rows.Length, rows.Length == 0 ? 0 : rows[0].Length], dtype: float32, device: device);

    /// <summary>Rows → one row-major float buffer (the layout every tensor of inputs here uses).</summary>
    internal static float[] Flatten(double[][] rows)
    {
        var columns = rows.Length == 0 ? 0 : rows[0].Length;
        var flat = new float[rows.Length * columns];
        for (var r = 0; r < rows.Length; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                flat[(r * columns) + c] = (float)rows[r][c];
            }
        }
        return flat;
    }

    internal static byte[] SaveWeights(nn.Module module)
    {
        using var stream = new MemoryStream();
        module.save(stream);
        return stream.ToArray();
    }
}
