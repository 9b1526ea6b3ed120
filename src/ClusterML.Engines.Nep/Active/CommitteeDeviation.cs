using ClusterML.Engines.Nep.Evaluation;
using ClusterML.Engines.Nep.Model;
using ClusterML.Engines.Nep.Structures;

namespace ClusterML.Engines.Nep.Active;

/// <summary>
/// How much a committee of K models disagrees on one frame (DP-GEN's <c>model_devi</c>): with F_ik the force on atom i by
/// member k and F̄_i = mean_k F_ik, the per-atom deviation is σ_i = √(mean_k |F_ik − F̄_i|²) (population, 1/K);
/// <paramref name="MaxForce"/> = max_i σ_i (DP-GEN's <c>max_devi_f</c>) and <paramref name="MeanForce"/> = mean_i σ_i, both
/// in eV/Å; <paramref name="EnergyPerAtom"/> is the population standard deviation over members of E_k/N (eV/atom).
/// <paramref name="Frame"/> is the frame's index in the list it was computed for.
/// </summary>
public sealed record CommitteeDeviation(int Frame, double MaxForce, double MeanForce, double EnergyPerAtom)
{
    /// <summary>
    /// The deviation of one frame from its members' predictions (pure arithmetic, no model): <paramref name="forces"/>[k] holds
    /// member k's 3N force components (x y z per atom, eV/Å), <paramref name="energies"/>[k] its total energy (eV).
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than one member, members of different lengths, a length not 3N, N &lt; 1 or a non-finite value.</exception>
    public static CommitteeDeviation Of(int frame, IReadOnlyList<double[]> forces, IReadOnlyList<double> energies, int atoms)
    {
        ArgumentNullException.ThrowIfNull(forces);
        ArgumentNullException.ThrowIfNull(energies);
        var members = forces.Count;
        if (members < 1 || energies.Count != members)
        {
            throw new ArgumentException($"need the forces and energies of the same K ≥ 1 members (got {forces.Count} and {energies.Count})", nameof(forces));
        }
        if (atoms < 1 || forces.Any(f => f.Length != 3 * atoms))
        {
            throw new ArgumentException($"every member needs 3·{atoms} force components", nameof(forces));
        }
        if (energies.Any(e => !double.IsFinite(e)) || forces.Any(f => f.Any(x => !double.IsFinite(x))))
        {
            throw new ArgumentException($"frame {frame}: a member predicted a non-finite energy or force", nameof(forces));
        }
        double max = 0, sum = 0;
        for (var i = 0; i < atoms; i++)
        {
            var squares = 0.0;
            for (var d = 0; d < 3; d++)
            {
                var c = (3 * i) + d;
                var mean = 0.0;
                for (var k = 0; k < members; k++)
                {
                    mean += forces[k][c];
                }
                mean /= members;
                for (var k = 0; k < members; k++)
                {
                    var x = forces[k][c] - mean;
                    squares += x * x;
                }
            }
            var sigma = Math.Sqrt(squares / members);
            max = Math.Max(max, sigma);
            sum += sigma;
        }
        var meanEnergy = energies.Average() / atoms;
        var energyVariance = energies.Sum(e => ((e / atoms) - meanEnergy) * ((e / atoms) - meanEnergy)) / members;
        return new CommitteeDeviation(frame, max, sum / atoms, Math.Sqrt(energyVariance));
    }

    /// <summary>
    /// Evaluates every member on every frame (double precision, <see cref="NepCalculator"/>) and returns the deviations in
    /// frame order (<see cref="Frame"/> = position in <paramref name="frames"/>). Frames run side by side on up to
    /// <paramref name="threads"/> cores, each frame on one thread, so the result does not depend on the thread count.
    /// Thread-safe; the models are only read.
    /// </summary>
    /// <exception cref="ArgumentException">An empty committee.</exception>
    public static IReadOnlyList<CommitteeDeviation> Compute(IReadOnlyList<NepModel> committee, IReadOnlyList<NepStructure> frames, int threads = 1)
    {
        ArgumentNullException.ThrowIfNull(committee);
        ArgumentNullException.ThrowIfNull(frames);
        if (committee.Count == 0)
        {
            throw new ArgumentException("the committee has no members", nameof(committee));
        }
        var calculators = committee.Select(m => new NepCalculator(m)).ToArray();
        // One neighbour list per frame, within the largest cutoff, serves every member.
        var cutoff = committee.Max(m => m.MaxRadialCutoff);
        var result = new CommitteeDeviation[frames.Count];
        Parallel.For(0, frames.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) }, f =>
        {
            var structure = frames[f];
            var forces = new double[calculators.Length][];
            var energies = new double[calculators.Length];
            var neighbors = NeighborList.Build(structure, cutoff);
            for (var k = 0; k < calculators.Length; k++)
            {
                var r = calculators[k].Compute(structure, neighbors, new NepOptions(Threads: 1));
                (forces[k], energies[k]) = (r.Forces, r.Energy);
            }
            result[f] = Of(f, forces, energies, structure.Count);
        });
        return result;
    }
}
