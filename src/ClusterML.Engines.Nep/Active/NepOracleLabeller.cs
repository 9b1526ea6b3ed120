using ClusterML.Engines.Nep.Evaluation;
using ClusterML.Engines.Nep.Model;
using ClusterML.Engines.Nep.Structures;
using ClusterML.Engines.Nep.Training;

namespace ClusterML.Engines.Nep.Active;

/// <summary>
/// The oracle of an active-learning loop, standing in for DFT: a reference ("teacher") NEP model labels structures with its
/// energy (eV), forces (eV/Å) and cell virial (eV, xx xy xz yx yy yz zx zy zz), evaluated in double precision. Thread-safe
/// and deterministic (each frame on one thread).
/// </summary>
public sealed class NepOracleLabeller
{
    private readonly NepCalculator _calculator;

    /// <param name="teacher">The reference model; the structures' type indices must be its species order.</param>
    public NepOracleLabeller(NepModel teacher)
    {
        ArgumentNullException.ThrowIfNull(teacher);
        Teacher = teacher;
        _calculator = new NepCalculator(teacher);
    }

    public NepModel Teacher { get; }

    /// <summary>A training frame (weight 1) for <paramref name="structure"/> labelled by the teacher.</summary>
    public NepFrame Label(int index, NepStructure structure)
    {
        ArgumentNullException.ThrowIfNull(structure);
        var result = _calculator.Compute(structure, new NepOptions(Threads: 1));
        return new NepFrame(index, structure, result.Energy, result.Forces, result.Virial, 1.0);
    }

    /// <summary>The frame with its energy, forces and virial replaced by the teacher's (index, structure and weight kept).</summary>
    public NepFrame Relabel(NepFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        return Label(frame.Index, frame.Structure) with { Weight = frame.Weight };
    }

    /// <summary>Labels the structures (frame index = position in the list), side by side on up to <paramref name="threads"/> cores; same output for any thread count.</summary>
    public IReadOnlyList<NepFrame> Label(IReadOnlyList<NepStructure> structures, int threads = 1)
    {
        ArgumentNullException.ThrowIfNull(structures);
        var frames = new NepFrame[structures.Count];
        Parallel.For(0, structures.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) }, i => frames[i] = Label(i, structures[i]));
        return frames;
    }
}
