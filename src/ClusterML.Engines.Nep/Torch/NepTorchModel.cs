using ClusterML.Engines.Torch;
using ClusterML.Engines.Nep.Model;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClusterML.Engines.Nep.Torch;

/// <summary>Energies per structure and per atom, and, when asked, forces [N, 3] and virials [S, 9] (eV, GPUMD's sign).</summary>
public sealed record NepTorchOutput(Tensor Energies, Tensor AtomEnergies, Tensor Descriptors, Tensor? Forces, Tensor? Virials);

/// <summary>
/// A NEP3/NEP4 model as a TorchSharp module over <see cref="NepBatch"/>es: the same descriptors as the double-precision
/// <see cref="Evaluation.NepCalculator"/> (radial Chebyshev functions with trainable c_nk per type pair, real spherical
/// harmonics up to l_max, q_222 and q_1111), the per-species (NEP4) or shared (NEP3) tanh network, and forces and virials by
/// automatic differentiation with respect to the pair displacements. Its parameters are what training adjusts;
/// <see cref="ToModel"/> writes them back into a <see cref="NepModel"/>.
/// </summary>
public sealed class NepTorchModel : nn.Module<NepBatch, Tensor>
{
    private readonly NepModel _template;
    private readonly ScalarType _dtype;
    private readonly Tensor _cutoffRadial;
    private readonly Tensor _cutoffAngular;
    private readonly Tensor _fourBody;

#pragma warning disable SA1300, IDE1006 // field names are the state-dict keys
    private readonly Parameter w0;
    private readonly Parameter b0;
    private readonly Parameter w1;
    private readonly Parameter b1;
    private readonly Parameter c_radial;
    private readonly Parameter c_angular;
    private readonly Tensor q_scaler;
#pragma warning restore SA1300, IDE1006

    public NepTorchModel(NepModel model, ScalarType dtype = ScalarType.Float64, Device? device = null)
        : base(nameof(NepTorchModel))
    {
        device ??= CPU;
        _template = model;
        _dtype = dtype;
        var m = model;
        var nets = m.Networks;
        var dim = m.Dimension;
        var ann = m.Parameters;
        var w0Values = new double[nets * m.Neurons * dim];
        var b0Values = new double[nets * m.Neurons];
        var w1Values = new double[nets * m.Neurons];
        for (var t = 0; t < nets; t++)
        {
            var o = m.NetworkOffset(t);
            Array.Copy(ann, o, w0Values, t * m.Neurons * dim, m.Neurons * dim);
            Array.Copy(ann, o + (m.Neurons * dim), b0Values, t * m.Neurons, m.Neurons);
            Array.Copy(ann, o + (m.Neurons * dim) + m.Neurons, w1Values, t * m.Neurons, m.Neurons);
        }
        var types = m.SpeciesCount;
        var cR = new double[types * types * (m.NMaxRadial + 1) * (m.BasisRadial + 1)];
        var cA = new double[types * types * (m.NMaxAngular + 1) * (m.BasisAngular + 1)];
        var at = 0;
        for (var pair = 0; pair < types * types; pair++)
        {
            for (var n = 0; n <= m.NMaxRadial; n++)
            {
                for (var k = 0; k <= m.BasisRadial; k++)
                {
                    cR[at++] = m.RadialCoefficient(n, k, pair / types, pair % types);
                }
            }
        }
        at = 0;
        for (var pair = 0; pair < types * types; pair++)
        {
            for (var n = 0; n <= m.NMaxAngular; n++)
            {
                for (var k = 0; k <= m.BasisAngular; k++)
                {
                    cA[at++] = m.AngularCoefficient(n, k, pair / types, pair % types);
                }
            }
        }
        w0 = nn.Parameter(tensor(w0Values, [nets, m.Neurons, dim], dtype: dtype, device: device));
        b0 = nn.Parameter(tensor(b0Values, [nets, m.Neurons], dtype: dtype, device: device));
        w1 = nn.Parameter(tensor(w1Values, [nets, m.Neurons], dtype: dtype, device: device));
        b1 = nn.Parameter(tensor(m.B1, dtype: dtype, device: device));
        // NEP1 has fixed radial functions: its c (the identity) is not a parameter.
        c_radial = nn.Parameter(tensor(cR, [types * types, m.NMaxRadial + 1, m.BasisRadial + 1], dtype: dtype, device: device), requires_grad: m.Version != 1);
        c_angular = nn.Parameter(tensor(cA, [types * types, m.NMaxAngular + 1, m.BasisAngular + 1], dtype: dtype, device: device), requires_grad: m.Version != 1);
        q_scaler = tensor(m.QScaler, dtype: dtype, device: device);
        var rcR = new double[types * types];
        var rcA = new double[types * types];
        for (var pair = 0; pair < types * types; pair++)
        {
            rcR[pair] = m.RadialCutoff(pair / types, pair % types);
            rcA[pair] = m.AngularCutoff(pair / types, pair % types);
        }
        _cutoffRadial = tensor(rcR, dtype: dtype, device: device);
        _cutoffAngular = tensor(rcA, dtype: dtype, device: device);
        var t4 = SolidHarmonics.FourBodyTensor;
        var flat = new double[125];
        for (var x = 0; x < 5; x++)
        {
            for (var y = 0; y < 5; y++)
            {
                for (var z = 0; z < 5; z++)
                {
                    flat[(25 * x) + (5 * y) + z] = t4[x, y, z];
                }
            }
        }
        _fourBody = tensor(flat, [5, 5, 5], dtype: dtype, device: device);
        RegisterComponents();
    }

    public NepModel Template => _template;

    /// <summary>Energies per structure [S].</summary>
    public override Tensor forward(NepBatch batch) => Evaluate(batch, forces: false).Energies;

    /// <summary>
    /// Energies, per-atom energies and scaled descriptors; with <paramref name="forces"/> also forces and virials (through
    /// autograd; <paramref name="createGraph"/> keeps their graph so a loss on them can be differentiated for training).
    /// </summary>
    public NepTorchOutput Evaluate(NepBatch batch, bool forces, bool createGraph = false)
    {
        var m = _template;
        var descriptors = Descriptors(batch);
        var scaled = descriptors * q_scaler;
        var atomEnergies = zeros(batch.Atoms, dtype: _dtype, device: scaled.device);
        if (m.Networks == 1)
        {
            atomEnergies = Network(scaled, 0);
        }
        else
        {
            for (var t = 0; t < m.SpeciesCount; t++)
            {
                using var type = t.ToScalar();
                var index = batch.Types.eq(type).nonzero().flatten();
                if (index.numel() > 0)
                {
                    atomEnergies = atomEnergies.index_add(0, index, Network(scaled.index_select(0, index), t), TorchScalars.One);
                }
            }
        }
        var energies = zeros(batch.Structures, dtype: _dtype, device: scaled.device).index_add(0, batch.AtomStructure, atomEnergies, TorchScalars.One);
        if (!forces)
        {
            return new NepTorchOutput(energies, atomEnergies, scaled, null, null);
        }
        var pairForce = autograd.grad([energies.sum()], [batch.Delta], retain_graph: true, create_graph: createGraph)[0]; // f_ij = ∂U_i/∂r_ij
        var atomForces = zeros(batch.Atoms, 3, dtype: _dtype, device: scaled.device)
            .index_add(0, batch.Center, pairForce, TorchScalars.One)
            .index_add(0, batch.Neighbor, -pairForce, TorchScalars.One);
        var outer = -(batch.Delta.unsqueeze(2) * pairForce.unsqueeze(1)).reshape(-1, 9);
        var virials = zeros(batch.Structures, 9, dtype: _dtype, device: scaled.device).index_add(0, batch.PairStructure, outer, TorchScalars.One);
        return new NepTorchOutput(energies, atomEnergies, scaled, atomForces, virials);
    }

    private Tensor Network(Tensor q, int network)
    {
        var hidden = (q.matmul(w0[network].t()) - b0[network]).tanh();
        return hidden.matmul(w1[network]) - b1;
    }

    /// <summary>Unscaled descriptors [N, dim] in GPUMD's order.</summary>
    public Tensor Descriptors(NepBatch batch)
    {
        var m = _template;
        var nR = m.NMaxRadial + 1;
        var nA = m.NMaxAngular + 1;
        var r = batch.Delta.Squared().sum(1).sqrt();
        var radial = PairFunctions(r, batch.PairType, _cutoffRadial, c_radial, m.BasisRadial + 1, nR);
        var qRadial = zeros(batch.Atoms, nR, dtype: _dtype, device: r.device).index_add(0, batch.Center, radial, TorchScalars.One);

        var index = batch.Angular;
        var delta = batch.Delta.index_select(0, index);
        var rA = r.index_select(0, index);
        var gA = PairFunctions(rA, batch.PairType.index_select(0, index), _cutoffAngular, c_angular, m.BasisAngular + 1, nA);
        var y = Harmonics(delta, rA, m.LMax); // [P_A, H−1] for l ≥ 1
        var harmonics = y.shape[1];
        var a = zeros(batch.Atoms, nA, harmonics, dtype: _dtype, device: r.device)
            .index_add(0, batch.Center.index_select(0, index), gA.unsqueeze(2) * y.unsqueeze(1), TorchScalars.One);
        var blocks = new List<Tensor> { qRadial };
        var square = a.Squared();
        for (var l = 1; l <= m.LMax; l++)
        {
            blocks.Add(square[.., .., ((l * l) - 1)..(((l + 1) * (l + 1)) - 1)].sum(2).Times(m.AngularScale(l)));
        }
        if (m.Has4Body)
        {
            var b = a[.., .., 3..8];
            blocks.Add(einsum("nkx,nky,nkz,xyz->nk", b, b, b, _fourBody));
        }
        if (m.Has5Body)
        {
            blocks.Add(blocks[1].Squared().Times(7.0 / 15.0));
        }
        return cat(blocks, 1);
    }

    /// <summary>g_n(r) = Σ_k c_nk^{pair} f_k(r) for every pair [P, functions] (zero beyond the pair's cutoff).</summary>
    private Tensor PairFunctions(Tensor r, Tensor pairType, Tensor cutoffs, Tensor c, int basis, int functions)
    {
        var rc = cutoffs.index_select(0, pairType);
        var inside = r < rc;
        var rr = where(inside, r, rc.Times(0.5)); // keeps the masked branch finite
        var fc = where(inside, (rr / rc).Times(Math.PI).cos().Plus(1).Times(0.5), zeros_like(rr));
        var u = (rr / rc).Minus(1);
        var x = u.Squared().Times(2).Minus(1);
        var terms = new List<Tensor> { ones_like(x), x };
        for (var k = 2; k < basis; k++)
        {
            terms.Add((x * terms[k - 1]).Times(2) - terms[k - 2]);
        }
        var f = stack(terms.Take(basis), 1).Plus(1).Times(0.5) * fc.unsqueeze(1); // [P, basis]
        var g = zeros(r.shape[0], functions, dtype: _dtype, device: r.device);
        var types = _template.SpeciesCount;
        for (var pair = 0; pair < types * types; pair++)
        {
            using var pairScalar = pair.ToScalar();
            var index = pairType.eq(pairScalar).nonzero().flatten();
            if (index.numel() > 0)
            {
                g = g.index_add(0, index, f.index_select(0, index).matmul(c[pair].t()), TorchScalars.One);
            }
        }
        return g;
    }

    /// <summary>Orthonormal real spherical harmonics Y_lm(r̂), l = 1…lMax, as columns [P, (lMax+1)² − 1] (same order as the reference).</summary>
    private static Tensor Harmonics(Tensor delta, Tensor r, int lMax)
    {
        var x = delta[.., 0];
        var y = delta[.., 1];
        var z = delta[.., 2];
        var r2 = r.Squared();
        var s = new Tensor[(lMax + 1) * (lMax + 1)];
        s[0] = ones_like(x);
        for (var l = 0; l < lMax; l++)
        {
            var top = s[SolidHarmonics.Index(l, l)];
            var bottom = s[SolidHarmonics.Index(l, -l)];
            var factor = Math.Sqrt((l == 0 ? 2.0 : 1.0) * ((2 * l) + 1) / ((2.0 * l) + 2));
            s[SolidHarmonics.Index(l + 1, l + 1)] = l == 0 ? x.Times(factor) : ((x * top) - (y * bottom)).Times(factor);
            s[SolidHarmonics.Index(l + 1, -(l + 1))] = l == 0 ? y.Times(factor) : (y * top).Plus(x * bottom).Times(factor);
            for (var m = -l; m <= l; m++)
            {
                var a = (2.0 * l) + 1;
                var b = Math.Sqrt((double)(l + m) * (l - m));
                var d = 1 / Math.Sqrt((double)(l + m + 1) * (l - m + 1));
                var next = (z * s[SolidHarmonics.Index(l, m)]).Times(a);
                if (b != 0)
                {
                    next -= (r2 * s[SolidHarmonics.Index(l - 1, m)]).Times(b);
                }
                s[SolidHarmonics.Index(l + 1, m)] = next.Times(d);
            }
        }
        var columns = new List<Tensor>();
        var inverse = r.reciprocal();
        var power = inverse;
        for (var l = 1; l <= lMax; l++)
        {
            var norm = Math.Sqrt(((2 * l) + 1) / (4 * Math.PI));
            for (var m = -l; m <= l; m++)
            {
                columns.Add((s[SolidHarmonics.Index(l, m)] * power).Times(norm));
            }
            power = power * inverse;
        }
        return stack(columns, 1);
    }

    /// <summary>The trainable parameters in a fixed order (the order of <see cref="GetFlat"/> and of a shard's gradient).</summary>
    public IReadOnlyList<Parameter> Trainable => [.. parameters().Where(p => p.requires_grad)];

    /// <summary>The trainable parameters as one float64 vector.</summary>
    public double[] GetFlat()
    {
        using var noGrad = no_grad();
        using var flat = cat([.. Trainable.Select(p => p.flatten())], 0).to(ScalarType.Float64).cpu();
        return flat.data<double>().ToArray();
    }

    /// <summary>Sets the trainable parameters from a vector of <see cref="GetFlat"/>'s layout (rounded to this model's dtype).</summary>
    public void SetFlat(double[] values)
    {
        using var noGrad = no_grad();
        var at = 0L;
        foreach (var p in Trainable)
        {
            var n = p.numel();
            if (at + n > values.Length)
            {
                throw new ArgumentException($"{values.Length} values for {TrainableCount} parameters", nameof(values));
            }
            using var source = tensor(values.AsSpan((int)at, (int)n).ToArray(), p.shape, dtype: _dtype, device: p.device);
            p.copy_(source);
            at += n;
        }
        if (at != values.Length)
        {
            throw new ArgumentException($"{values.Length} values for {TrainableCount} parameters", nameof(values));
        }
    }

    /// <summary>Number of trainable parameters (the length of <see cref="GetFlat"/>).</summary>
    public long TrainableCount => Trainable.Sum(p => p.numel());

    /// <summary>The current parameters as a <see cref="NepModel"/> (same architecture and q_scaler as the template).</summary>
    public NepModel ToModel()
    {
        using var noGrad = no_grad();
        var m = _template;
        var parameters = new double[m.ParameterCount];
        var w0v = w0.to(ScalarType.Float64).cpu().data<double>().ToArray();
        var b0v = b0.to(ScalarType.Float64).cpu().data<double>().ToArray();
        var w1v = w1.to(ScalarType.Float64).cpu().data<double>().ToArray();
        var dim = m.Dimension;
        for (var t = 0; t < m.Networks; t++)
        {
            var o = m.NetworkOffset(t);
            Array.Copy(w0v, t * m.Neurons * dim, parameters, o, m.Neurons * dim);
            Array.Copy(b0v, t * m.Neurons, parameters, o + (m.Neurons * dim), m.Neurons);
            Array.Copy(w1v, t * m.Neurons, parameters, o + (m.Neurons * dim) + m.Neurons, m.Neurons);
        }
        parameters[m.AnnParameterCount - 1] = b1.to(ScalarType.Float64).cpu().item<double>();
        var types = m.SpeciesCount;
        if (m.Version == 1)
        {
            return new NepModel(1, m.Species, [m.Cutoffs[0]], 0, 0, m.NMaxRadial, m.NMaxAngular, m.BasisRadial, m.BasisAngular, m.LMax, false, false,
                m.Neurons, parameters, (double[])m.QScaler.Clone());
        }
        var cR = c_radial.to(ScalarType.Float64).cpu().data<double>().ToArray();
        var cA = c_angular.to(ScalarType.Float64).cpu().data<double>().ToArray();
        var at = 0;
        for (var pair = 0; pair < types * types; pair++)
        {
            for (var n = 0; n <= m.NMaxRadial; n++)
            {
                for (var k = 0; k <= m.BasisRadial; k++)
                {
                    parameters[m.RadialCoefficientIndex(n, k, pair / types, pair % types)] = cR[at++];
                }
            }
        }
        at = 0;
        for (var pair = 0; pair < types * types; pair++)
        {
            for (var n = 0; n <= m.NMaxAngular; n++)
            {
                for (var k = 0; k <= m.BasisAngular; k++)
                {
                    parameters[m.AngularCoefficientIndex(n, k, pair / types, pair % types)] = cA[at++];
                }
            }
        }
        return new NepModel(m.Version, m.Species, m.UniformCutoff ? [m.Cutoffs[0]] : m.Cutoffs, m.MaxNeighborsRadial, m.MaxNeighborsAngular,
            m.NMaxRadial, m.NMaxAngular, m.BasisRadial, m.BasisAngular, m.LMax, m.Has4Body, m.Has5Body, m.Neurons, parameters,
            (double[])m.QScaler.Clone(), m.Zbl);
    }
}
