using ClusterML.Engines.Nep.Model;
using ClusterML.Engines.Nep.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace ClusterML.Engines.Nep.Torch;

/// <summary>
/// Several structures as flat tensors for <see cref="NepTorchModel"/>: atom types and owning structure, and every
/// neighbour pair within the largest radial cutoff (centre, neighbour, type pair, displacement r_j + shift − r_i, its
/// structure); the angular pairs are the subset within the largest angular cutoff. Neighbour lists come from
/// <see cref="NeighborList"/>; the displacements are leaves, so forces and virials follow by differentiating with respect
/// to them. Owns its tensors: dispose it.
/// </summary>
public sealed class NepBatch : IDisposable
{
    private NepBatch(int structures, Tensor types, Tensor atomStructure, Tensor center, Tensor neighbor, Tensor pairType, Tensor delta,
        Tensor pairStructure, Tensor angular, int atoms)
    {
        (Structures, Types, AtomStructure, Center, Neighbor, PairType, Delta, PairStructure, Angular, Atoms) =
            (structures, types, atomStructure, center, neighbor, pairType, delta, pairStructure, angular, atoms);
    }

    public int Structures { get; }

    public int Atoms { get; }

    public Tensor Types { get; }

    public Tensor AtomStructure { get; }

    public Tensor Center { get; }

    public Tensor Neighbor { get; }

    /// <summary>t_i · T + t_j of each pair.</summary>
    public Tensor PairType { get; }

    /// <summary>Pair displacements [P, 3] (a leaf that requires gradients).</summary>
    public Tensor Delta { get; }

    public Tensor PairStructure { get; }

    /// <summary>Indices (into the pairs) of the pairs within the largest angular cutoff.</summary>
    public Tensor Angular { get; }

    public static NepBatch Build(IReadOnlyList<NepStructure> structures, NepModel model, ScalarType dtype = ScalarType.Float64, Device? device = null)
    {
        device ??= CPU;
        var types = new List<long>();
        var atomStructure = new List<long>();
        var center = new List<long>();
        var neighbor = new List<long>();
        var pairType = new List<long>();
        var delta = new List<double>();
        var pairStructure = new List<long>();
        var angular = new List<long>();
        var offset = 0;
        var angularCutoff2 = model.MaxAngularCutoff * model.MaxAngularCutoff;
        for (var s = 0; s < structures.Count; s++)
        {
            var structure = structures[s];
            var list = NeighborList.Build(structure, model.MaxRadialCutoff);
            for (var i = 0; i < structure.Count; i++)
            {
                types.Add(structure.Types[i]);
                atomStructure.Add(s);
                for (var p = list.Start[i]; p < list.Start[i + 1]; p++)
                {
                    var j = list.Index[p];
                    var (dx, dy, dz) = (list.Delta[3 * p], list.Delta[(3 * p) + 1], list.Delta[(3 * p) + 2]);
                    if ((dx * dx) + (dy * dy) + (dz * dz) < angularCutoff2)
                    {
                        angular.Add(center.Count);
                    }
                    center.Add(offset + i);
                    neighbor.Add(offset + j);
                    pairType.Add((structure.Types[i] * model.SpeciesCount) + structure.Types[j]);
                    delta.Add(dx);
                    delta.Add(dy);
                    delta.Add(dz);
                    pairStructure.Add(s);
                }
            }
            offset += structure.Count;
        }
        Tensor Long(List<long> values) => tensor(values.ToArray(), dtype: ScalarType.Int64, device: device);
        return new NepBatch(structures.Count, Long(types), Long(atomStructure), Long(center), Long(neighbor), Long(pairType),
            tensor(delta.ToArray(), [center.Count, 3], dtype: dtype, device: device).requires_grad_(), Long(pairStructure), Long(angular), offset);
    }

    public void Dispose()
    {
        foreach (var t in new[] { Types, AtomStructure, Center, Neighbor, PairType, Delta, PairStructure, Angular })
        {
            t.Dispose();
        }
    }
}
