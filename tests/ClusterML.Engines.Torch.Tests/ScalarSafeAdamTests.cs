using ScalarSafeAdam = ClusterML.Engines.Torch.Optimizers.Adam;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClusterML.Engines.Torch.Tests;

[Collection("Torch")]
public sealed class ScalarSafeAdamTests
{
    /// <summary>A small MLP trained for <paramref name="steps"/> Adam steps on fixed data; returns every parameter's values.</summary>
    private static double[] Train(Func<IEnumerable<Parameter>, OptimizerHelper> optimizer, int steps)
    {
        using var scope = NewDisposeScope();
        random.manual_seed(3);
        var model = nn.Sequential(nn.Linear(3, 16), nn.Tanh(), nn.Linear(16, 1));
        var x = randn(64, 3);
        var y = x.sum(1, keepdim: true).sin();
        using var adam = optimizer(model.parameters());
        for (var i = 0; i < steps; i++)
        {
            using var step = NewDisposeScope();
            adam.zero_grad();
            nn.functional.mse_loss(model.call(x), y).backward();
            adam.step();
        }
        return [.. model.parameters().SelectMany(p => p.detach().to(float64).data<double>().ToArray())];
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1e-3)]
    public void Steps_should_be_bit_identical_to_TorchSharps_Adam(double weightDecay)
    {
        var reference = Train(p => optim.Adam(p, lr: 3e-3, weight_decay: weightDecay), 40);
        var safe = Train(p => new ScalarSafeAdam(p, lr: 3e-3, weightDecay: weightDecay), 40);
        Assert.Equal(reference, safe);
        Assert.NotEqual(Train(p => new ScalarSafeAdam(p, lr: 3e-3, weightDecay: weightDecay), 0), safe); // it did train
    }

    [Fact]
    public void Its_state_should_save_and_load_in_TorchSharps_format_and_continue_exactly()
    {
        using var scope = NewDisposeScope();
        var w = new Parameter(tensor(new[] { 1.0, -2.0, 0.5 }, dtype: float64));
        using var first = new ScalarSafeAdam([w], lr: 0.1);
        for (var i = 0; i < 5; i++)
        {
            first.zero_grad();
            w.square().sum().backward();
            first.step();
        }
        using var saved = new MemoryStream();
        first.save_state_dict(new BinaryWriter(saved));

        // TorchSharp's Adam reads the state (same format), and both continue to the same point.
        var v = new Parameter(w.detach().clone());
        using var torchAdam = optim.Adam([v], lr: 0.1);
        saved.Position = 0;
        torchAdam.load_state_dict(new BinaryReader(saved));
        for (var i = 0; i < 3; i++)
        {
            first.zero_grad();
            w.square().sum().backward();
            first.step();
            torchAdam.zero_grad();
            v.square().sum().backward();
            torchAdam.step();
        }
        Assert.Equal(v.data<double>().ToArray(), w.data<double>().ToArray());
    }

    /// <summary>
    /// The defect it fixes: with another thread collecting garbage all the time, TorchSharp's Adam step now and then reads a
    /// Scalar the finalizer has freed ("toFloat" error or a crash; `scalar-race` in the benchmark project shows it). The
    /// safe step must give exactly the numbers of a quiet run, however many collections happen during it.
    /// </summary>
    [Fact]
    [Trait("Category", "Slow")]
    public void Steps_under_constant_garbage_collection_should_give_the_numbers_of_a_quiet_run()
    {
        const int steps = 2000;
        var quiet = Train(p => new ScalarSafeAdam(p, lr: 3e-3, weightDecay: 1e-4), steps);
        using var noise = new GarbageNoise();
        var stressed = Train(p => new ScalarSafeAdam(p, lr: 3e-3, weightDecay: 1e-4), steps);
        Assert.Equal(quiet, stressed);
        var collections = noise.Collections;
        Assert.True(collections > 100, $"only {collections} collections happened during the stressed run");
    }
}
