using ClusterML.Engines.Nep.Xyz;

namespace ClusterML.Engines.Nep.Tests.Xyz;

/// <summary>Reads GPUMD's PbTe training example (shared/data/nep/pbte_nep4/train.xyz) when it is available.</summary>
public sealed class PbTeReferenceDataTests
{
    private const string AbsoluteSharedNep = "/work/shared/data/nep";

    [Fact]
    public void The_gpumd_pbte_training_set_should_give_25_frames_of_250_te_and_pb_atoms()
    {
        var path = FindTrainXyz();
        if (path is null)
        {
            VisibleSkip.Because("reference data absent: shared/data/nep/pbte_nep4/train.xyz was not found above the test folder or in /work/shared");
        }

        var frames = ExtendedXyzReader.Read(path).ToList();

        Assert.Equal(25, frames.Count);
        Assert.Equal(Enumerable.Range(0, 25), frames.Select(f => f.Index));
        Assert.All(frames, frame =>
        {
            Assert.Equal(250, frame.AtomCount);
            Assert.NotNull(frame.Energy);
            Assert.NotNull(frame.Forces);
            Assert.Equal(750, frame.Forces.Length);

            // This GPUMD example carries energies and forces only (its README says "no virials"; GPUMD's
            // virial_train.out marks the reference as -1e6 = absent).
            Assert.Null(frame.Virial);
            Assert.Equal(1.0, frame.Weight);
            Assert.Equal(["Pb", "Te"], frame.Species.Distinct().Order());
            Assert.Equal(125, frame.Species.Count(s => s == "Te"));
            Assert.Equal("nep2xyz", frame.Extra["config_type"]);
            Assert.Equal("T T T", frame.Extra["pbc"]);
            Assert.Equal(2 * Math.Pow(16.42598, 3), frame.Volume, 1e-8);
        });
        Assert.Equal(-937.191, frames[0].Energy);
        Assert.Equal(-944.7615, frames[1].Energy);
        Assert.Equal([3.391217, 3.024926, 3.37478], frames[0].Positions[..3]);
        Assert.Equal([0.07834588, 0.3368932, -0.1323393], frames[0].Forces![..3]);

        var again = XyzAssert.ReadText(XyzAssert.WriteText(frames));
        for (var i = 0; i < frames.Count; i++)
        {
            XyzAssert.SameFrame(frames[i], again[i]);
        }
    }

    private static string? FindTrainXyz()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var nep = Path.Combine(dir.FullName, "shared", "data", "nep");
            if (Directory.Exists(nep))
            {
                return TrainXyzIn(nep);
            }
        }

        return Directory.Exists(AbsoluteSharedNep) ? TrainXyzIn(AbsoluteSharedNep) : null;
    }

    private static string? TrainXyzIn(string nepFolder)
    {
        var path = Path.Combine(nepFolder, "pbte_nep4", "train.xyz");
        return File.Exists(path) ? path : null;
    }
}
