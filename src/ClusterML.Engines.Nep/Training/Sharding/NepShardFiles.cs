using ClusterML.Core.IO;
using ClusterML.Engines.Nep.Model;
using ClusterML.Engines.Nep.Xyz;

namespace ClusterML.Engines.Nep.Training.Sharding;

/// <summary>One shard's frames as an extended XYZ file and the batch of each frame (file order).</summary>
public sealed record NepShardFile(int Shard, string Path, int[] Batches, int Frames, long Atoms);

/// <summary>
/// Writes each shard's frames to a file of its own, so that a worker fetches only the frames of the shards it holds. Numbers
/// are written in round-trip form: the worker reads back exactly the doubles the one-process fit uses.
/// </summary>
public static class NepShardFiles
{
    public static IReadOnlyList<NepShardFile> Write(NepShardPlan plan, NepModel template, string folder)
    {
        Directory.CreateDirectory(folder);
        var files = new List<NepShardFile>();
        for (var s = 0; s < plan.Shards; s++)
        {
            var frames = plan.FramesOf(s);
            var path = System.IO.Path.Combine(folder, $"shard-{s:D4}.xyz");
            AtomicFile.Write(path, staged => ExtendedXyzWriter.WriteFile(staged, frames.Select((x, i) => ToXyz(x.Frame, template, i))));
            files.Add(new NepShardFile(s, path, [.. frames.Select(x => x.Batch)], frames.Count, frames.Sum(x => (long)x.Frame.Atoms)));
        }
        return files;
    }

    private static XyzFrame ToXyz(NepFrame frame, NepModel template, int index)
    {
        var s = frame.Structure;
        return new XyzFrame(index, s.Cell, [.. s.Types.Select(t => template.Species[t])], s.Positions, frame.Forces, frame.Energy, frame.Virial, frame.Weight);
    }
}
