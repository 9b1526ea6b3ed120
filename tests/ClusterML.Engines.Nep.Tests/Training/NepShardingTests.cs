using ClusterML.Core.Engines;
using ClusterML.Engines.Nep.Torch;
using ClusterML.Engines.Nep.Training;
using ClusterML.Engines.Nep.Training.Sharding;
using TorchSharp;
using static TorchSharp.torch;

namespace ClusterML.Engines.Nep.Tests.Training;

/// <summary>The sharded fit: sums from shards reduce to exactly the one-batch loss and gradient, and the model does not depend on who computes the shards.</summary>
[Collection("Torch")]
public sealed class NepShardingTests
{
    private static NepTrainingSettings Tiny => new()
    {
        Species = ["Ar"], RadialCutoff = 5, AngularCutoff = 4, NMaxRadial = 3, NMaxAngular = 2, BasisRadial = 3, BasisAngular = 3, LMax = 2,
        Neurons = 6, Batch = 5, Epochs = 6, LearningRate = 2e-2, FinalLearningRate = 1e-3, Float64 = true, Threads = 1, CheckpointEvery = 100,
        Lambda1 = 1e-5, Lambda2 = 1e-5, LambdaV = 0.1, LambdaE = 1.0, LambdaF = 0.7,
    };

    [Fact]
    public void The_plan_should_put_every_frame_in_one_shard_balanced_by_atoms_and_depend_only_on_data_and_seed()
    {
        var frames = MorseFrames.Make(30, 2).Concat(MorseFrames.Make(10, 3).Select(Doubled)).Select((f, i) => f with { Index = i }).ToArray();
        var plan = NepShardPlan.Create(frames, 10, 4, seed: 3);
        Assert.Equal(4, plan.Batches.Count);
        Assert.Equal(4, plan.Shards);
        var assigned = Enumerable.Range(0, plan.Shards).SelectMany(s => plan.FramesOf(s).Select(x => x.Frame.Index)).Order().ToArray();
        Assert.Equal(Enumerable.Range(0, frames.Length), assigned);
        for (var b = 0; b < plan.Batches.Count; b++)
        {
            var loads = Enumerable.Range(0, plan.Shards).Select(s => plan.Parts[b][s].Sum(f => f.Atoms)).ToArray();
            Assert.True(loads.Max() - loads.Min() <= frames.Max(f => f.Atoms), $"batch {b}: atoms per shard {string.Join(",", loads)}");
        }
        var again = NepShardPlan.Create(frames, 10, 4, seed: 3);
        Assert.Equal(Signature(plan), Signature(again));
        Assert.Equal(3, NepShardPlan.Create(frames[..3], 10, 64, seed: 3).Shards); // never more shards than frames
    }

    [Fact]
    public void Shard_sums_should_give_the_one_batch_loss_and_its_gradient()
    {
        // Frames of different sizes and weights, some with virials: the shifted energy RMSE, forces and virials all reduce.
        var frames = MorseFrames.Make(4, 2).Concat(MorseFrames.Make(3, 3).Select(Doubled)).Select((f, i) => f with { Index = i, Weight = 1 + (0.25 * i), Virial = i % 3 == 0 ? null : f.Virial }).ToArray();
        var settings = Tiny with { Batch = frames.Length };
        var model = NepInitializer.Create(settings, ["Ar"], frames, 5);
        using var reference = new NepTorchModel(model);
        using var batch = new NepTrainingBatch(frames, model, ScalarType.Float64);
        var terms = NepLoss.Compute(reference, batch, settings, 0, 0, createGraph: true);
        var expected = autograd.grad([terms.Total], [.. reference.Trainable]).Select(g => g.flatten()).ToArray();
        var expectedFlat = cat(expected, 0).data<double>().ToArray();

        var plan = NepShardPlan.Create(frames, frames.Length, 3, seed: 1);
        var shards = Enumerable.Range(0, plan.Shards).Select(s => new NepShardCompute(model, plan.FramesOf(s), ScalarType.Float64, CPU)).ToArray();
        var parameters = reference.GetFlat();
        var ids = plan.ShardsOf(0);
        var sums = new double[NepShardSums.Length];
        foreach (var s in ids)
        {
            var partial = shards[s].Forward(0, parameters);
            for (var k = 0; k < sums.Length; k++)
            {
                sums[k] += partial[k];
            }
        }
        var offset = sums[NepShardSums.E1] / sums[NepShardSums.E0];
        var le = Math.Sqrt(((sums[NepShardSums.E2] - (sums[NepShardSums.E1] * offset)) / sums[NepShardSums.E0]) + 1e-30);
        var lf = Math.Sqrt((sums[NepShardSums.Force] / sums[NepShardSums.ForceCount]) + 1e-30);
        var lv = Math.Sqrt((sums[NepShardSums.Virial] / sums[NepShardSums.VirialCount]) + 1e-30);
        Assert.Equal(terms.Energy.ToDouble(), le, 1e-12);
        Assert.Equal(terms.Force.ToDouble(), lf, 1e-12);
        Assert.Equal(terms.Virial!.ToDouble(), lv, 1e-12);
        var coefficients = new[]
        {
            offset, settings.LambdaE / (le * sums[NepShardSums.E0]), settings.LambdaF / (2 * lf * sums[NepShardSums.ForceCount]),
            settings.LambdaV / (2 * lv * sums[NepShardSums.VirialCount]),
        };
        var gradient = new double[parameters.Length];
        foreach (var s in ids)
        {
            var partial = shards[s].Backward(coefficients);
            for (var k = 0; k < gradient.Length; k++)
            {
                gradient[k] += partial[k];
            }
        }
        for (var k = 0; k < gradient.Length; k++)
        {
            Assert.True(Math.Abs(gradient[k] - expectedFlat[k]) <= 1e-10 * Math.Max(1, Math.Abs(expectedFlat[k])), $"parameter {k}: shards {gradient[k]:G12}, one batch {expectedFlat[k]:G12}");
        }
        Assert.Throws<ShardStepLostException>(() => shards[ids[0]].Backward(coefficients)); // one backward per forward
        foreach (var shard in shards)
        {
            shard.Dispose();
        }
    }

    [Fact]
    public void The_model_should_not_depend_on_how_many_threads_compute_the_shards()
    {
        var frames = MorseFrames.Make(12, 2);
        var settings = Tiny with { Shards = 5 };
        var initial = NepInitializer.Create(settings, ["Ar"], frames, 4);
        var one = NepAdamTrainer.Train(settings, initial, frames, null, 4);
        var two = NepAdamTrainer.Train(settings with { Threads = 2 }, initial, frames, null, 4);
        Assert.Equal(one.Model.Parameters, two.Model.Parameters);
        Assert.Equal(one.History.Select(e => e.Total), two.History.Select(e => e.Total));
        Assert.True(one.History[^1].Total < one.History[0].Total);
    }

    /// <summary>The frame as a 2×1×1 supercell (8 atoms), labelled again.</summary>
    private static NepFrame Doubled(NepFrame frame)
    {
        var s = frame.Structure;
        var cell = (double[])s.Cell.Clone();
        var positions = s.Positions.Concat(s.Positions.Select((x, k) => x + s.Cell[k % 3])).ToArray();
        cell[0] *= 2;
        cell[1] *= 2;
        cell[2] *= 2;
        var structure = new ClusterML.Engines.Nep.Structures.NepStructure(cell, new int[2 * s.Count], positions);
        var (energy, forces, virial) = MorseFrames.Label(structure);
        return frame with { Structure = structure, Energy = energy, Forces = forces, Virial = virial };
    }

    [Fact]
    public void SNES_shard_sums_should_give_the_one_batch_fitness_and_the_fit_should_not_depend_on_threads()
    {
        var frames = MorseFrames.Make(4, 2).Concat(MorseFrames.Make(3, 3).Select(Doubled)).Select((f, i) => f with { Index = i, Weight = 1 + (0.25 * i) }).ToArray();
        var settings = Tiny with { Optimizer = "snes", Batch = frames.Length, Population = 8, Epochs = 5, Shards = 3 };
        var model = NepInitializer.Create(settings, ["Ar"], frames, 5);
        var lists = frames.Select(f => ClusterML.Engines.Nep.Structures.NeighborList.Build(f.Structure, model.MaxRadialCutoff)).ToArray();
        var z = model.Parameters.Select((v, k) => v + (0.01 * Math.Sin(k))).ToArray();
        var direct = NepSnesTrainer.Loss(model, z, frames, lists, settings, 1e-5, 1e-5);

        var plan = NepShardPlan.Create(frames, frames.Length, 3, seed: 1);
        var per = 2 * NepSnesTrainer.SumsPerGroup;
        var sums = new double[per];
        foreach (var s in plan.ShardsOf(0))
        {
            var partial = new NepSnesShardCompute(model, plan.FramesOf(s)).Forward(0, [.. z, .. z]); // two identical individuals
            Assert.Equal(2 * per, partial.Length);
            Assert.Equal(partial[..per], partial[per..]);
            for (var k = 0; k < per; k++)
            {
                sums[k] += partial[k];
            }
        }
        var sharded = NepSnesTrainer.Combine(model, z, sums, settings, 1e-5, 1e-5);
        for (var g = 0; g < direct.Losses.Length; g++)
        {
            Assert.Equal(direct.Losses[g], sharded.Losses[g], 1e-12);
        }
        Assert.True(direct.EnergyRmse > 0 && direct.ForceRmse > 0);

        var one = NepSnesTrainer.Train(settings with { Batch = 4 }, model, frames, null, 3);
        var two = NepSnesTrainer.Train(settings with { Batch = 4, Threads = 2 }, model, frames, null, 3);
        Assert.Equal(one.Model.Parameters, two.Model.Parameters);
    }

    private static string Signature(NepShardPlan plan) =>
        string.Join(";", Enumerable.Range(0, plan.Shards).Select(s => string.Join(",", plan.FramesOf(s).Select(x => $"{x.Batch}:{x.Frame.Index}"))));
}
