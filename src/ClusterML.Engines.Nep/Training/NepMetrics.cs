using ClusterML.Engines.Nep.Evaluation;
using ClusterML.Engines.Nep.Model;

namespace ClusterML.Engines.Nep.Training;

/// <summary>A model's predictions for a set of frames and GPUMD's error measures of them.</summary>
public sealed record NepPredictions(
    IReadOnlyList<NepFrame> Frames, double[] Energies, double[][] Forces, double[][] Virials, double EnergyRmse, double ForceRmse, double? VirialRmse, double Offset)
{
    /// <summary>
    /// Evaluates every frame in double precision. Energy RMSE per atom after the weighted mean offset (<see cref="Offset"/>,
    /// eV/atom, the amount b1 must grow by to remove it), force RMSE over all components, virial RMSE per atom over xx yy zz
    /// xy yz zx of the frames that have a reference virial.
    /// </summary>
    public static NepPredictions Of(NepModel model, IReadOnlyList<NepFrame> frames, int threads)
    {
        var calculator = new NepCalculator(model);
        var energies = new double[frames.Count];
        var forces = new double[frames.Count][];
        var virials = new double[frames.Count][];
        for (var f = 0; f < frames.Count; f++)
        {
            var result = calculator.Compute(frames[f].Structure, new NepOptions(Threads: Math.Max(1, threads)));
            (energies[f], forces[f], virials[f]) = (result.Energy, result.Forces, result.Virial);
        }
        double w2Sum = 0, offsetSum = 0;
        for (var f = 0; f < frames.Count; f++)
        {
            var w2 = frames[f].Weight * frames[f].Weight;
            w2Sum += w2;
            offsetSum += w2 * ((energies[f] - frames[f].Energy) / frames[f].Atoms);
        }
        var offset = offsetSum / w2Sum;
        double e2 = 0, f2 = 0, fCount = 0, v2 = 0, vCount = 0;
        for (var f = 0; f < frames.Count; f++)
        {
            var frame = frames[f];
            var w2 = frame.Weight * frame.Weight;
            var de = ((energies[f] - frame.Energy) / frame.Atoms) - offset;
            e2 += w2 * de * de;
            for (var k = 0; k < frame.Forces.Length; k++)
            {
                var d = forces[f][k] - frame.Forces[k];
                f2 += w2 * d * d;
                fCount += w2;
            }
            if (frame.Virial is { } reference)
            {
                foreach (var k in new[] { 0, 4, 8, 1, 5, 6 })
                {
                    var d = (virials[f][k] - reference[k]) / frame.Atoms;
                    v2 += w2 * d * d;
                    vCount += w2;
                }
            }
        }
        return new NepPredictions(frames, energies, forces, virials, Math.Sqrt(e2 / w2Sum), Math.Sqrt(f2 / fCount), vCount > 0 ? Math.Sqrt(v2 / vCount) : null, offset);
    }
}
