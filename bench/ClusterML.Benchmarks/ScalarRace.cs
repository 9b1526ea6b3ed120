using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using TorchSharp;
using TorchSharp.Modules;
using ClusterML.Testing;
using static TorchSharp.torch;
using ScalarSafeAdam = ClusterML.Engines.Torch.Optimizers.Adam;

namespace ClusterML.Benchmarks;

/// <summary>
/// <c>scalar-race [seconds] [--torch-adam]</c>: the defect behind the surrogate sweep's native crashes, reproduced. One thread
/// takes Adam steps on a small MLP while another collects gen-0 garbage all the time; with TorchSharp's own Adam a step
/// soon reads a Scalar the finalizer has already freed ("Exception raised from toFloat at c10/core/Scalar.h", or a
/// segmentation fault), with ClusterML's (<see cref="ScalarSafeAdam"/>) it runs to the end. Prints steps, collections and the
/// error, if any; the exit code is 1 when a step failed.
/// </summary>
public static class ScalarRace
{
    /// <summary><c>init-race [seconds]</c>: builds surrogate networks (their Glorot initialisation) again and again under the same noise.</summary>
    public static int Init(string[] args)
    {
        var seconds = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 30;
        static float[] Weights(ClusterML.Engines.Surrogate.MlpRegressor m) => [.. m.parameters().SelectMany(p => p.detach().data<float>().ToArray())];
        float[] reference;
        using (var quiet = new ClusterML.Engines.Surrogate.MlpRegressor(4, 4, 96, "tanh", 5))
        {
            reference = Weights(quiet);
        }
        using var noise = new GarbageNoise();
        var clock = Stopwatch.StartNew();
        var built = 0;
        var wrong = 0;
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            using var network = new ClusterML.Engines.Surrogate.MlpRegressor(4, 4, 96, "tanh", 5);
            if (!Weights(network).SequenceEqual(reference))
            {
                wrong++;
            }
            built++;
        }
        noise.Dispose();
        var collections = noise.Collections;
        Console.WriteLine($"{built} networks built, {wrong} with other weights than a quiet build, {collections} collections");
        return wrong == 0 ? 0 : 1;
    }

    public static int Run(string[] args)
    {
        var seconds = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? double.Parse(args[0], CultureInfo.InvariantCulture) : 30;
        var torchAdam = args.Contains("--torch-adam");
        random.manual_seed(3);
        using var model = nn.Sequential(nn.Linear(3, 16), nn.Tanh(), nn.Linear(16, 1));
        using var x = randn(64, 3);
        using var y = x.sum(1, keepdim: true).sin();
#pragma warning disable RS0030 // the optimizer whose defect this shows
        using OptimizerHelper adam = torchAdam ? optim.Adam(model.parameters(), 1e-3) : new ScalarSafeAdam(model.parameters(), 1e-3);
#pragma warning restore RS0030
        using var noise = new GarbageNoise();
        var clock = Stopwatch.StartNew();
        long steps = 0;
        string? error = null;
        try
        {
            while (clock.Elapsed.TotalSeconds < seconds)
            {
                using var scope = NewDisposeScope();
                adam.zero_grad();
                nn.functional.mse_loss(model.call(x), y).backward();
                adam.step();
                steps++;
            }
        }
        catch (ExternalException e)
        {
            error = e.Message.Split('\n')[0];
        }
        noise.Dispose();
        var collections = noise.Collections;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{(torchAdam ? "TorchSharp's Adam" : "ClusterML's ScalarSafeAdam")}: {steps} steps in {clock.Elapsed.TotalSeconds:F1} s, {collections} gen-0 collections on another thread; {(error is null ? "no error" : "failed: " + error)}"));
        return error is null ? 0 : 1;
    }
}
