using ScalarSafeAdam = ClusterML.Engines.Torch.Optimizers.Adam;
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
/// A member's exact training state after <see cref="Epoch"/> epochs (the epochs it ran: fewer when it stopped early): current
/// weights, Adam's state (moments, step), the best epoch's weights and loss (early stopping), the curves so far, and whether it
/// has stopped. The batch order and the learning-rate schedule are replayed from the seed and the epoch, so they are not stored.
/// </summary>
internal sealed record MemberState(
    int Index,
    int Epoch,
    bool Stopped,
    byte[] Weights,
    byte[] Optimizer,
    byte[] BestWeights,
    int BestEpoch,
    double BestValidationLoss,
    double[] TrainLoss,
    double[] ValidationLoss)
{
    public byte[] Pack()
    {
        using var stream = new MemoryStream();
        using var writer = new BinaryWriter(stream);
        writer.Write(1); // layout version
        writer.Write(Index);
        writer.Write(Epoch);
        writer.Write(Stopped);
        foreach (var blob in new[] { Weights, Optimizer, BestWeights })
        {
            writer.Write(blob.Length);
            writer.Write(blob);
        }
        writer.Write(BestEpoch);
        writer.Write(BestValidationLoss);
        foreach (var curve in new[] { TrainLoss, ValidationLoss })
        {
            writer.Write(curve.Length);
            foreach (var v in curve)
            {
                writer.Write(v);
            }
        }
        writer.Flush();
        return stream.ToArray();
    }

    public static MemberState Unpack(byte[] bytes)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes));
        var version = reader.ReadInt32();
        if (version != 1)
        {
            throw new InvalidDataException($"member state layout {version} is not known");
        }
        var index = reader.ReadInt32();
        var epoch = reader.ReadInt32();
        var stopped = reader.ReadBoolean();
        byte[] Blob() => reader.ReadBytes(reader.ReadInt32());
        var weights = Blob();
        var optimizer = Blob();
        var best = Blob();
        var bestEpoch = reader.ReadInt32();
        var bestLoss = reader.ReadDouble();
        double[] Curve() => Enumerable.Range(0, reader.ReadInt32()).Select(_ => reader.ReadDouble()).ToArray();
        var train = Curve();
        var validation = Curve();
        return new MemberState(index, epoch, stopped, weights, optimizer, best, bestEpoch, bestLoss, train, validation);
    }
}

/// <summary>
/// Trains one MLP on standardised data with Adam, mini-batches, a cosine (or constant) learning-rate schedule and early
/// stopping on the validation loss (MSE in standardised target units); the weights of the best epoch are kept.
/// Deterministic for a seed on the CPU: batch order and initial weights come from private generators.
/// Training can stop after <c>lastEpoch</c> and continue from the <see cref="MemberState"/> it leaves (with the spec's current
/// learning rate and weight decay): the result is the same as in one piece.
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
        CancellationToken cancellationToken) =>
        Train(spec, index, seed, xTrain, yTrain, xValidation, yValidation, device, progress, null, spec.Epochs, cancellationToken).Result;

    /// <summary>
    /// Trains from <paramref name="resume"/> (null: from the seed's initial weights) through epoch <paramref name="lastEpoch"/> of
    /// the spec's schedule, returning the result (best weights so far) and the state to continue from.
    /// </summary>
    public static (MemberResult Result, MemberState State) Train(
        SurrogateSpec spec,
        int index,
        int seed,
        double[][] xTrain,
        double[] yTrain,
        double[][] xValidation,
        double[] yValidation,
        Device device,
        IProgress<TrainingProgress>? progress,
        MemberState? resume,
        int lastEpoch,
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
        using var optimizer = new ScalarSafeAdam(model.parameters(), lr: spec.LearningRate, weightDecay: spec.WeightDecay);
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
        var stopped = false;
        var bestState = SaveWeights(model);
        if (resume is not null)
        {
            // Replay what the seed and the epoch fix (one batch order and one scheduler step per epoch run), then load the
            // weights and Adam's state; the learning rate and weight decay stay the spec's (Adam's saved options would overwrite them).
            for (var e = 0; e < resume.Epoch; e++)
            {
                randperm(n, generator: batchOrder).Dispose();
                scheduler?.step();
            }
            var rates = optimizer.ParamGroups.Select(g => (g.LearningRate, g.InitialLearningRate)).ToArray();
            using (var weights = new MemoryStream(resume.Weights))
            {
                model.load(weights);
            }
            using (var moments = new MemoryStream(resume.Optimizer))
            using (var reader = new BinaryReader(moments))
            {
                optimizer.load_state_dict(reader);
            }
            foreach (var (group, (rate, initial)) in optimizer.ParamGroups.Zip(rates))
            {
                group.LearningRate = rate;
                group.InitialLearningRate = initial;
                ((TorchSharp.Modules.Adam.Options)((TorchSharp.Modules.ParamGroup)group).Options).weight_decay = spec.WeightDecay;
            }
            trainLoss.AddRange(resume.TrainLoss);
            validationLoss.AddRange(resume.ValidationLoss);
            best = resume.BestValidationLoss;
            bestEpoch = resume.BestEpoch;
            bestState = resume.BestWeights;
            stopped = resume.Stopped;
        }
        for (var epoch = trainLoss.Count + 1; epoch <= lastEpoch && !stopped; epoch++)
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
                stopped = true;
            }
        }
        byte[] optimizerState;
        using (var stream = new MemoryStream())
        using (var writer = new BinaryWriter(stream))
        {
            optimizer.save_state_dict(writer);
            writer.Flush();
            optimizerState = stream.ToArray();
        }
        var state = new MemberState(index, trainLoss.Count, stopped, SaveWeights(model), optimizerState, bestState, bestEpoch, best, [.. trainLoss], [.. validationLoss]);
        return (new MemberResult(index, seed, bestState, trainLoss.Count, bestEpoch, best, [.. trainLoss], [.. validationLoss], clock.Elapsed.TotalSeconds), state);
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
