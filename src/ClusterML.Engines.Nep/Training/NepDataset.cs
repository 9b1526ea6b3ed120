using ClusterML.Core.Validation;
using ClusterML.Engines.Nep.Model;
using ClusterML.Engines.Nep.Structures;
using ClusterML.Engines.Nep.Xyz;

namespace ClusterML.Engines.Nep.Training;

/// <summary>One labelled frame: the structure and its reference energy (eV), forces (eV/Å), virial (eV, or null) and weight.</summary>
public sealed record NepFrame(int Index, NepStructure Structure, double Energy, double[] Forces, double[]? Virial, double Weight)
{
    public int Atoms => Structure.Count;
}

/// <summary>Training or test frames read from extended XYZ and checked for what a potential fit needs.</summary>
public static class NepDataset
{
    /// <summary>The species in order of first appearance (GPUMD's <c>type</c> line is the user's to give; this is the fallback).</summary>
    public static IReadOnlyList<string> Species(string path) =>
        [.. ExtendedXyzReader.Read(path).SelectMany(f => f.Species).Distinct(StringComparer.Ordinal)];

    /// <exception cref="InvalidInputException">A frame without energy or forces, or a species the model lacks (names file and frame).</exception>
    public static IReadOnlyList<NepFrame> Read(string path, NepModel model, string field) => Read(path, model.Species, field);

    /// <inheritdoc cref="Read(string, NepModel, string)"/>
    public static IReadOnlyList<NepFrame> Read(string path, IReadOnlyList<string> species, string field)
    {
        if (!File.Exists(path))
        {
            throw new InvalidInputException(field, $"'{path}' does not exist");
        }
        var frames = new List<NepFrame>();
        foreach (var frame in ExtendedXyzReader.Read(path, physical: true))
        {
            if (frame.Energy is not { } energy)
            {
                throw new InvalidInputException("energy", $"frame {frame.Index} has no energy= (a potential is fitted to energies)", path);
            }
            if (frame.Forces is not { } forces)
            {
                throw new InvalidInputException("properties", $"frame {frame.Index} has no force column (properties=…:force:R:3)", path);
            }
            frames.Add(new NepFrame(frame.Index, NepStructure.FromFrame(frame, species, path), energy, forces, frame.Virial, frame.Weight));
        }
        if (frames.Count == 0)
        {
            throw new InvalidInputException(field, $"'{path}' holds no frames", path);
        }
        return frames;
    }
}
