using ClusterML.Engines.Nep.Model;
using ClusterML.Engines.Nep.Tests.Training;
using ClusterML.Engines.Nep.Training;

namespace ClusterML.Engines.Nep.Tests.Active;

/// <summary>Tiny models for the active-learning tests: a one-species NEP4 with random parameters as the "teacher".</summary>
internal static class ActiveFixtures
{
    public static NepTrainingSettings Tiny => new()
    {
        Species = ["Ar"], RadialCutoff = 5, AngularCutoff = 4, NMaxRadial = 2, NMaxAngular = 2, BasisRadial = 2, BasisAngular = 2, LMax = 2,
        Neurons = 4, Batch = 2, Epochs = 4, LearningRate = 2e-2, FinalLearningRate = 1e-3, Float64 = true, Threads = 1, CheckpointEvery = 1000,
        Lambda1 = 1e-5, Lambda2 = 1e-5, LambdaV = 0.1,
    };

    /// <summary>A random (unfitted) NEP: smooth, deterministic, and non-trivial forces, which is all an oracle needs to be here.</summary>
    public static NepModel Teacher { get; } = NepInitializer.Create(Tiny with { Neurons = 6 }, ["Ar"], MorseFrames.Make(4, 77), 77);

    /// <summary><paramref name="model"/> with every parameter but b1 scaled by (1 + <paramref name="relative"/>).</summary>
    public static NepModel Perturbed(NepModel model, double relative)
    {
        var parameters = (double[])model.Parameters.Clone();
        for (var k = 0; k < parameters.Length; k++)
        {
            if (k != model.AnnParameterCount - 1)
            {
                parameters[k] *= 1 + relative;
            }
        }
        return model.WithParameters(parameters);
    }
}
