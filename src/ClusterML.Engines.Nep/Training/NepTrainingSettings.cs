using ClusterML.Core.Validation;

namespace ClusterML.Engines.Nep.Training;

/// <summary>
/// A NEP fit: the model's shape (GPUMD's nep.in keywords and defaults), the loss weights of the lecture's loss
/// L = λe·Le + λf·Lf + λv·Lv + λ1·L1 + λ2·L2, and the optimiser. λ1 and λ2 default to GPUMD's √(N_par/T)/1000 when null.
/// </summary>
public sealed record NepTrainingSettings
{
    public int Version { get; init; } = 4;

    public IReadOnlyList<string>? Species { get; init; }

    public double RadialCutoff { get; init; } = 8;

    public double AngularCutoff { get; init; } = 4;

    public int NMaxRadial { get; init; } = 6;

    public int NMaxAngular { get; init; } = 6;

    public int BasisRadial { get; init; } = 6;

    public int BasisAngular { get; init; } = 6;

    public int LMax { get; init; } = 4;

    public bool FourBody { get; init; } = true;

    public bool FiveBody { get; init; }

    public int Neurons { get; init; } = 30;

    public double LambdaE { get; init; } = 1.0;

    public double LambdaF { get; init; } = 1.0;

    public double LambdaV { get; init; } = 0.1;

    public double? Lambda1 { get; init; }

    public double? Lambda2 { get; init; }

    /// <summary>adam (gradients by TorchSharp autograd) or snes (GPUMD's evolution strategy).</summary>
    public string Optimizer { get; init; } = "adam";

    /// <summary>Adam: passes over the training frames; SNES: generations.</summary>
    public int Epochs { get; init; } = 300;

    /// <summary>Frames per Adam step (or per SNES batch).</summary>
    public int Batch { get; init; } = 5;

    public double LearningRate { get; init; } = 1e-2;

    public double FinalLearningRate { get; init; } = 1e-4;

    /// <summary>Gradient norm clip (0: none).</summary>
    public double Clip { get; init; } = 10;

    public int Population { get; init; } = 50;

    /// <summary>
    /// Logical data shards of a fit (each batch's frames are dealt to them by atom count): fixed by the data and the seed,
    /// never by the number of workers, so a fit gives the same model on one process or many. At most the number of frames.
    /// </summary>
    public int Shards { get; init; } = Sharding.NepShardPlan.DefaultShards;

    /// <summary>A campaign trial spreads its shards over the cluster's workers (Adam or SNES; the model is the same as in one process).</summary>
    public bool Distributed { get; init; }

    public double Sigma0 { get; init; } = 0.1;

    /// <summary>Write nep.txt and the restart file every this many epochs (generations).</summary>
    public int CheckpointEvery { get; init; } = 10;

    public bool Float64 { get; init; }

    public int Threads { get; init; }

    /// <summary>Device of the Adam arithmetic: cpu, cuda or cuda:N (checked when training starts; SNES runs on the CPU).</summary>
    public string Device { get; init; } = "cpu";

    public NepTrainingSettings Validated()
    {
        if (Version is not (1 or 3 or 4))
        {
            throw new InvalidInputException("--version", $"{Version} is not a NEP version this build trains (1, 3 or 4)");
        }
        Require.Positive("--cutoff", RadialCutoff);
        Require.Positive("--cutoff", AngularCutoff);
        if (AngularCutoff > RadialCutoff)
        {
            throw new InvalidInputException("--cutoff", "the angular cutoff must not exceed the radial one");
        }
        Require.AtLeast("--n-max", NMaxRadial, 0);
        Require.AtLeast("--n-max", NMaxAngular, 0);
        Require.AtLeast("--basis-size", BasisRadial, 0);
        Require.AtLeast("--basis-size", BasisAngular, 0);
        if (LMax is < 1 or > 8)
        {
            throw new InvalidInputException("--l-max", $"l_max must be 1…8, not {LMax}");
        }
        if (FourBody && LMax < 2 || FiveBody && LMax < 1)
        {
            throw new InvalidInputException("--l-max", "the 4-body term needs l_max ≥ 2");
        }
        if (Version == 1 && (FourBody || FiveBody))
        {
            throw new InvalidInputException("--l-max", "NEP1 has no 4- or 5-body terms");
        }
        Require.AtLeast("--neurons", Neurons, 1);
        foreach (var (field, value) in new[] { ("--lambda-e", LambdaE), ("--lambda-f", LambdaF), ("--lambda-v", LambdaV), ("--lambda-1", Lambda1 ?? 0), ("--lambda-2", Lambda2 ?? 0) })
        {
            if (!double.IsFinite(value) || value < 0)
            {
                throw new InvalidInputException(field, $"must be ≥ 0, not {Require.Show(value)}");
            }
        }
        if (Optimizer is not ("adam" or "snes"))
        {
            throw new InvalidInputException("--optimizer", $"'{Optimizer}' is not an optimiser; use adam or snes");
        }
        Require.AtLeast("--epochs", Epochs, 1);
        Require.AtLeast("--batch", Batch, 1);
        Require.Positive("--lr", LearningRate);
        Require.Positive("--final-lr", FinalLearningRate);
        Require.AtLeast("--population", Population, 4);
        Require.Positive("--sigma0", Sigma0);
        Require.AtLeast("--checkpoint-every", CheckpointEvery, 1);
        Require.AtLeast("--threads", Threads, 0);
        Require.AtLeast("--shards", Shards, 1);
        return this;
    }
}
