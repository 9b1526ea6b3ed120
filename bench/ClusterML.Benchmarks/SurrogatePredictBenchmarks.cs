using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using ClusterML.Engines.Surrogate;
using ClusterML.Oracles;

namespace ClusterML.Benchmarks;

/// <summary>
/// Prediction speed of a trained 5-member thin-film surrogate (with the out-of-domain check) against the thin-film oracle
/// itself (the Debye–Callaway/Fuchs–Sondheimer model the surrogate replaces), measured in the same run. Per row.
/// </summary>
/// <remarks>
/// Runs in-process: BenchmarkDotNet's out-of-process build would copy TorchSharp's native library without the libstdc++
/// adaptation the project's build applies (build/TorchSharpNativeFix.targets), and libtorch would not load on Debian 12.
/// </remarks>
[Config(typeof(InProcessConfig))]
public class SurrogatePredictBenchmarks
{
    private string _folder = "";
    private SurrogateModel _model = null!;
    private double[][] _batch = [];
    private double[][] _one = [];
    private double[][] _oracleRows = [];
    private IPhysicsOracle _oracle = null!;

    [GlobalSetup]
    public void Setup()
    {
        _folder = Directory.CreateTempSubdirectory("clusterml-bench-").FullName;
        var csv = SurrogateFixture.GenerateCsv("thin-film", 2000, 1, _folder);
        SurrogateFixture.Train("thin-film", csv, ensemble: 5, seed: 1, Path.Combine(_folder, "run"));
        _model = SurrogateModel.Load(Path.Combine(_folder, "run", "model"));
        _oracle = Oracles.Oracles.Get("thin-film");
        var random = new Random(2);
        _batch = Enumerable.Range(0, 100_000).Select(_ => _oracle.Sample(random)).ToArray();
        _one = [_batch[0]];
        _oracleRows = _batch[..100];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _model.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>Baseline: the oracle on 100 rows.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = 100)]
    public double OraclePerRow()
    {
        var sum = 0.0;
        foreach (var row in _oracleRows)
        {
            sum += _oracle.Evaluate(row)[0];
        }
        return sum;
    }

    [Benchmark(OperationsPerInvoke = 100_000)]
    public double EnsemblePerRowInBatchesOf100k() => _model.Predict(_batch).Mean[^1];

    [Benchmark]
    public double EnsembleSingleRow() => _model.Predict(_one).Mean[0];
}

/// <summary>One in-process job: 3 warm-up and 10 measured iterations.</summary>
public sealed class InProcessConfig : ManualConfig
{
    public InProcessConfig() =>
        AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(3).WithIterationCount(10).WithLaunchCount(1));
}
