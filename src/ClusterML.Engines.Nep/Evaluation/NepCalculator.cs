using ClusterML.Engines.Nep.Model;
using ClusterML.Engines.Nep.Structures;

namespace ClusterML.Engines.Nep.Evaluation;

/// <summary>
/// The double-precision reference evaluator of a NEP3/NEP4 model (nep.md §a.2): neighbour lists, radial descriptors
/// q_n = Σ_j g_n(r_ij), angular sums A_nlm = Σ_j g̃_n(r_ij) Y_lm(r̂_ij) over orthonormal real spherical harmonics with
/// q_nl = Σ_m A_nlm², q_222 = Σ 3j·A A A and q_1111 = (7/15) q_n1², the scaled descriptors through the species' tanh
/// network, and the analytic partial forces f_ij = ∂U_i/∂r_ij: F_i += f_ij, F_j −= f_ij, W_j −= r_ij ⊗ f_ij. The ZBL term of
/// <c>*_zbl</c> models is added pairwise. Thread-safe: each call works on its own buffers, and atoms can be split across
/// threads (<see cref="Compute(NepStructure, NepOptions)"/> uses <see cref="NepOptions.Threads"/>).
/// </summary>
public sealed class NepCalculator
{
    private const double FivePlusOneSevenFifteenths = 7.0 / 15.0;
    private readonly NepModel _model;
    private readonly int[] _zOfType;
    private readonly double[,,] _fourBody = FourBodySymmetric();
    private readonly double[][] _radialC;
    private readonly double[][] _angularC;

    public NepCalculator(NepModel model)
    {
        _model = model;
        var types = model.SpeciesCount;
        _radialC = new double[types * types][];
        _angularC = new double[types * types][];
        for (var t1 = 0; t1 < types; t1++)
        {
            for (var t2 = 0; t2 < types; t2++)
            {
                var radial = _radialC[(t1 * types) + t2] = new double[(model.NMaxRadial + 1) * (model.BasisRadial + 1)];
                for (var n = 0; n <= model.NMaxRadial; n++)
                {
                    for (var k = 0; k <= model.BasisRadial; k++)
                    {
                        radial[(n * (model.BasisRadial + 1)) + k] = model.RadialCoefficient(n, k, t1, t2);
                    }
                }
                var angular = _angularC[(t1 * types) + t2] = new double[(model.NMaxAngular + 1) * (model.BasisAngular + 1)];
                for (var n = 0; n <= model.NMaxAngular; n++)
                {
                    for (var k = 0; k <= model.BasisAngular; k++)
                    {
                        angular[(n * (model.BasisAngular + 1)) + k] = model.AngularCoefficient(n, k, t1, t2);
                    }
                }
            }
        }
        _zOfType = [.. model.Species.Select(Elements.AtomicNumber)];
        if (model.Zbl is not null && _zOfType.Any(z => z == 0))
        {
            throw new ArgumentException("ZBL needs chemical symbols for every species", nameof(model));
        }
        if (model.Zbl is { TypewiseFactor: not null })
        {
            throw new NotSupportedException("the typewise ZBL cutoff (zbl r1 r2 f) is not supported by this build");
        }
    }

    public NepModel Model => _model;

    public NepResult Compute(NepStructure structure) => Compute(structure, new NepOptions());

    public NepResult Compute(NepStructure structure, NepOptions options) =>
        Compute(structure, NeighborList.Build(structure, _model.MaxRadialCutoff, Math.Max(1, Math.Min(options.Threads, Environment.ProcessorCount))), options);

    /// <summary>Evaluates with a neighbour list built beforehand (within at least the model's largest radial cutoff), e.g. reused across parameter sets.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public NepResult Compute(NepStructure structure, NeighborList neighbors, NepOptions options)
    {
        var m = _model;
        var n = structure.Count;
        var threads = Math.Max(1, Math.Min(options.Threads, Environment.ProcessorCount));
        var energies = new double[n];
        var forces = new double[3 * n];
        var atomVirials = new double[9 * n];
        var descriptors = options.Descriptors ? new double[n * m.Dimension] : null;
        if (threads == 1)
        {
            var work = new Workspace(m);
            for (var i = 0; i < n; i++)
            {
                Atom(structure, neighbors, i, work, energies, forces, atomVirials, descriptors);
            }
        }
        else
        {
            // Per-thread force and virial buffers (pair terms touch other atoms), summed at the end.
            var partialForces = new double[threads][];
            var partialVirials = new double[threads][];
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
            {
                var work = new Workspace(m);
                var f = partialForces[t] = new double[3 * n];
                var w = partialVirials[t] = new double[9 * n];
                for (var i = (int)((long)n * t / threads); i < (int)((long)n * (t + 1) / threads); i++)
                {
                    Atom(structure, neighbors, i, work, energies, f, w, descriptors);
                }
            });
            for (var t = 0; t < threads; t++)
            {
                for (var k = 0; k < forces.Length; k++)
                {
                    forces[k] += partialForces[t][k];
                }
                for (var k = 0; k < atomVirials.Length; k++)
                {
                    atomVirials[k] += partialVirials[t][k];
                }
            }
        }
        if (m.Zbl is not null)
        {
            Zbl(structure, neighbors, energies, forces, atomVirials);
        }
        var virial = new double[9];
        for (var i = 0; i < n; i++)
        {
            for (var k = 0; k < 9; k++)
            {
                virial[k] += atomVirials[(9 * i) + k];
            }
        }
        return new NepResult(energies.Sum(), energies, forces, virial, options.PerAtomVirial ? atomVirials : null, descriptors);
    }

    /// <summary>Scratch space of one thread.</summary>
    private sealed class Workspace
    {
        public Workspace(NepModel m)
        {
            var basis = Math.Max(m.BasisRadial, m.BasisAngular) + 1;
            F = new double[basis];
            DF = new double[basis];
            Q = new double[m.Dimension];
            DQ = new double[m.Dimension];
            var harmonics = SolidHarmonics.Count(m.LMax);
            A = new double[(m.NMaxAngular + 1) * harmonics];
            G = new double[(m.NMaxAngular + 1) * harmonics];
            Harmonics = harmonics;
            RadialFunctions = m.NMaxRadial + 1;
            AngularFunctions = m.NMaxAngular + 1;
            Ensure(64);
        }

        public int Harmonics { get; }

        public int RadialFunctions { get; }

        public int AngularFunctions { get; }

        public int Capacity { get; private set; }

        // Per-neighbour caches filled by the descriptor pass and reused by the force pass.
        public double[] R { get; private set; } = [];

        public double[] PairRadial { get; private set; } = [];

        public double[] PairRadialDerivative { get; private set; } = [];

        public double[] PairAngular { get; private set; } = [];

        public double[] PairAngularDerivative { get; private set; } = [];

        public double[] PairY { get; private set; } = [];

        public double[] PairYx { get; private set; } = [];

        public double[] PairYy { get; private set; } = [];

        public double[] PairYz { get; private set; } = [];

        public bool[] InAngular { get; private set; } = [];

        public bool[] InRadial { get; private set; } = [];

        public void Ensure(int neighbors)
        {
            if (neighbors <= Capacity)
            {
                return;
            }
            var capacity = Math.Max(neighbors, 2 * Capacity);
            var nR = RadialFunctions;
            var nA = AngularFunctions;
            R = new double[capacity];
            PairRadial = new double[capacity * nR];
            PairRadialDerivative = new double[capacity * nR];
            PairAngular = new double[capacity * nA];
            PairAngularDerivative = new double[capacity * nA];
            PairY = new double[capacity * Harmonics];
            PairYx = new double[capacity * Harmonics];
            PairYy = new double[capacity * Harmonics];
            PairYz = new double[capacity * Harmonics];
            InAngular = new bool[capacity];
            InRadial = new bool[capacity];
            Capacity = capacity;
        }

        public double[] F { get; }

        public double[] DF { get; }

        public double[] Q { get; }

        public double[] DQ { get; }

        public double[] A { get; }

        public double[] G { get; }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)] // hot from the first call: skip tier-0 code
    private void Atom(NepStructure structure, NeighborList list, int i, Workspace w, double[] energies, double[] forces, double[] virials, double[]? descriptors)
    {
        var m = _model;
        var ti = structure.Types[i];
        var nR = m.NMaxRadial + 1;
        var nA = m.NMaxAngular + 1;
        var harmonics = w.Harmonics;
        var first = list.Start[i];
        var count = list.Start[i + 1] - first;
        w.Ensure(count);
        Array.Clear(w.Q);
        Array.Clear(w.A);

        // Descriptor pass: basis, radial functions and harmonics of every pair, cached for the force pass.
        for (var p = 0; p < count; p++)
        {
            var q = first + p;
            var tj = structure.Types[list.Index[q]];
            var (dx, dy, dz) = (list.Delta[3 * q], list.Delta[(3 * q) + 1], list.Delta[(3 * q) + 2]);
            var r = Math.Sqrt((dx * dx) + (dy * dy) + (dz * dz));
            w.R[p] = r;
            var rcR = m.RadialCutoff(ti, tj);
            w.InRadial[p] = r < rcR;
            if (w.InRadial[p])
            {
                Functions(r, rcR, m.BasisRadial + 1, _radialC[(ti * m.SpeciesCount) + tj], nR, w, w.PairRadial.AsSpan(p * nR, nR), w.PairRadialDerivative.AsSpan(p * nR, nR));
                var g = w.PairRadial.AsSpan(p * nR, nR);
                for (var k = 0; k < nR; k++)
                {
                    w.Q[k] += g[k];
                }
            }
            var rcA = m.AngularCutoff(ti, tj);
            w.InAngular[p] = r < rcA;
            if (w.InAngular[p])
            {
                Functions(r, rcA, m.BasisAngular + 1, _angularC[(ti * m.SpeciesCount) + tj], nA, w, w.PairAngular.AsSpan(p * nA, nA), w.PairAngularDerivative.AsSpan(p * nA, nA));
                Harmonics(dx, dy, dz, r, w, p * harmonics);
                var y = w.PairY.AsSpan(p * harmonics, harmonics);
                var g = w.PairAngular.AsSpan(p * nA, nA);
                for (var k = 0; k < nA; k++)
                {
                    var a = w.A.AsSpan(k * harmonics, harmonics);
                    var gk = g[k];
                    for (var lm = 1; lm < harmonics; lm++)
                    {
                        a[lm] += gk * y[lm];
                    }
                }
            }
        }
        for (var k = 0; k < nA; k++)
        {
            var a = w.A.AsSpan(k * harmonics, harmonics);
            for (var l = 1; l <= m.LMax; l++)
            {
                var q = 0.0;
                for (var lm = l * l; lm < (l + 1) * (l + 1); lm++)
                {
                    q += a[lm] * a[lm];
                }
                w.Q[nR + ((l - 1) * nA) + k] = q * m.AngularScale(l);
            }
            var slot = m.LMax;
            if (m.Has4Body)
            {
                var b = a.Slice(4, 5);
                var q = 0.0;
                for (var x = 0; x < 5; x++)
                {
                    for (var y = 0; y < 5; y++)
                    {
                        for (var z = 0; z < 5; z++)
                        {
                            q += _fourBody[x, y, z] * b[x] * b[y] * b[z];
                        }
                    }
                }
                w.Q[nR + (slot * nA) + k] = q;
                slot++;
            }
            if (m.Has5Body)
            {
                var q1 = w.Q[nR + k];
                w.Q[nR + (slot * nA) + k] = FivePlusOneSevenFifteenths * q1 * q1;
            }
        }

        // Network: U = Σ_μ w1_μ tanh(Σ_ν w0_μν q_ν s_ν − b0_μ) − b1, and dU/dq_ν.
        var dim = m.Dimension;
        var offset = m.NetworkOffset(m.Networks == 1 ? 0 : ti);
        var par = m.Parameters;
        var qs = w.DQ; // dU/dq
        Span<double> scaledQ = stackalloc double[dim];
        for (var v = 0; v < dim; v++)
        {
            scaledQ[v] = w.Q[v] * m.QScaler[v];
        }
        var energy = -m.B1;
        Array.Clear(qs);
        var w0 = par.AsSpan(offset, m.Neurons * dim);
        var b0 = par.AsSpan(offset + (m.Neurons * dim), m.Neurons);
        var w1 = par.AsSpan(offset + (m.Neurons * dim) + m.Neurons, m.Neurons);
        for (var mu = 0; mu < m.Neurons; mu++)
        {
            var row = w0.Slice(mu * dim, dim);
            var x = Dot(row, scaledQ) - b0[mu];
            var t = Math.Tanh(x);
            energy += w1[mu] * t;
            var back = w1[mu] * (1 - (t * t));
            for (var v = 0; v < dim; v++)
            {
                qs[v] += back * row[v];
            }
        }
        for (var v = 0; v < dim; v++)
        {
            qs[v] *= m.QScaler[v];
        }
        energies[i] = energy;
        if (descriptors is not null)
        {
            scaledQ.CopyTo(descriptors.AsSpan(i * dim, dim));
        }

        // dU/dA_nlm.
        for (var k = 0; k < nA; k++)
        {
            var a = w.A.AsSpan(k * harmonics, harmonics);
            var g = w.G.AsSpan(k * harmonics, harmonics);
            for (var l = 1; l <= m.LMax; l++)
            {
                var dq = qs[nR + ((l - 1) * nA) + k];
                if (l == 1 && m.Has5Body)
                {
                    var fifth = nR + ((m.LMax + (m.Has4Body ? 1 : 0)) * nA) + k;
                    dq += qs[fifth] * 2 * FivePlusOneSevenFifteenths * w.Q[nR + k];
                }
                dq *= m.AngularScale(l);
                for (var lm = l * l; lm < (l + 1) * (l + 1); lm++)
                {
                    g[lm] = 2 * dq * a[lm];
                }
            }
            if (m.Has4Body)
            {
                var dq = qs[nR + (m.LMax * nA) + k];
                var b = a.Slice(4, 5);
                for (var x = 0; x < 5; x++)
                {
                    var sum = 0.0;
                    for (var y = 0; y < 5; y++)
                    {
                        for (var z = 0; z < 5; z++)
                        {
                            sum += _fourBody[x, y, z] * b[y] * b[z];
                        }
                    }
                    g[4 + x] += 3 * dq * sum;
                }
            }
        }

        // Force pass: partial forces f_ij = ∂U_i/∂r_ij from the cached pair values.
        var dqRadial = qs.AsSpan(0, nR);
        for (var p = 0; p < count; p++)
        {
            var q = first + p;
            var j = list.Index[q];
            var (dx, dy, dz) = (list.Delta[3 * q], list.Delta[(3 * q) + 1], list.Delta[(3 * q) + 2]);
            var r = w.R[p];
            double fx = 0, fy = 0, fz = 0;
            if (w.InRadial[p])
            {
                var s = Dot(dqRadial, w.PairRadialDerivative.AsSpan(p * nR, nR)) / r;
                fx += s * dx;
                fy += s * dy;
                fz += s * dz;
            }
            if (w.InAngular[p])
            {
                var y = w.PairY.AsSpan(p * harmonics, harmonics);
                var yx = w.PairYx.AsSpan(p * harmonics, harmonics);
                var yy = w.PairYy.AsSpan(p * harmonics, harmonics);
                var yz = w.PairYz.AsSpan(p * harmonics, harmonics);
                var gA = w.PairAngular.AsSpan(p * nA, nA);
                var dgA = w.PairAngularDerivative.AsSpan(p * nA, nA);
                double radialPart = 0;
                for (var k = 0; k < nA; k++)
                {
                    var g = w.G.AsSpan(k * harmonics, harmonics);
                    var value = gA[k];
                    radialPart += dgA[k] * Dot(g, y);
                    fx += value * Dot(g, yx);
                    fy += value * Dot(g, yy);
                    fz += value * Dot(g, yz);
                }
                radialPart /= r;
                fx += radialPart * dx;
                fy += radialPart * dy;
                fz += radialPart * dz;
            }
            AddPair(forces, virials, i, j, dx, dy, dz, fx, fy, fz);
        }
    }

    /// <summary>Σ a_k b_k over short spans (a plain loop: inlined into the hot methods, no tiering delay as for library code).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        var sum = 0.0;
        var k = 0;
        var width = System.Numerics.Vector<double>.Count;
        if (System.Numerics.Vector.IsHardwareAccelerated && a.Length >= 2 * width)
        {
            var acc = System.Numerics.Vector<double>.Zero;
            for (; k <= a.Length - width; k += width)
            {
                acc += new System.Numerics.Vector<double>(a[k..]) * new System.Numerics.Vector<double>(b[k..]);
            }
            sum = System.Numerics.Vector.Sum(acc);
        }
        for (; k < a.Length; k++)
        {
            sum += a[k] * b[k];
        }
        return sum;
    }

    /// <summary>A pair's partial force f = ∂U_i/∂r_ij: F_i += f, F_j −= f, and W_j −= r_ij ⊗ f (GPUMD's per-atom virial).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)] // hot from the first call: skip tier-0 code
    private static void AddPair(double[] forces, double[] virials, int i, int j, double dx, double dy, double dz, double fx, double fy, double fz)
    {
        forces[3 * i] += fx;
        forces[(3 * i) + 1] += fy;
        forces[(3 * i) + 2] += fz;
        forces[3 * j] -= fx;
        forces[(3 * j) + 1] -= fy;
        forces[(3 * j) + 2] -= fz;
        var vj = 9 * j;
        virials[vj] -= dx * fx;
        virials[vj + 1] -= dx * fy;
        virials[vj + 2] -= dx * fz;
        virials[vj + 3] -= dy * fx;
        virials[vj + 4] -= dy * fy;
        virials[vj + 5] -= dy * fz;
        virials[vj + 6] -= dz * fx;
        virials[vj + 7] -= dz * fy;
        virials[vj + 8] -= dz * fz;
    }

    /// <summary>g_n(r) = Σ_k c_nk f_k(r) and its derivative for n &lt; <paramref name="functions"/>.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)] // hot from the first call: skip tier-0 code
    private static void Functions(double r, double rc, int basis, double[] c, int functions, Workspace w, Span<double> g, Span<double> dg)
    {
        var f = w.F.AsSpan(0, basis);
        var df = w.DF.AsSpan(0, basis);
        NepBasis.Evaluate(r, rc, f, df);
        for (var n = 0; n < functions; n++)
        {
            var row = c.AsSpan(n * basis, basis);
            g[n] = Dot(row, f);
            dg[n] = Dot(row, df);
        }
    }

    /// <summary>Orthonormal Y_lm(r̂) and its gradient with respect to the pair vector, into the pair caches at <paramref name="at"/>.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)] // hot from the first call: skip tier-0 code
    private void Harmonics(double dx, double dy, double dz, double r, Workspace w, int at)
    {
        var lMax = _model.LMax;
        var s = w.PairY.AsSpan(at, w.Harmonics);
        var sx = w.PairYx.AsSpan(at, w.Harmonics);
        var sy = w.PairYy.AsSpan(at, w.Harmonics);
        var sz = w.PairYz.AsSpan(at, w.Harmonics);
        SolidHarmonics.Evaluate(dx, dy, dz, lMax, s, sx, sy, sz);
        var inverseR = 1 / r;
        var scale = inverseR;
        for (var l = 1; l <= lMax; l++)
        {
            var norm = Math.Sqrt(((2 * l) + 1) / (4 * Math.PI)) * scale; // N_l / r^l
            var radial = l * inverseR * inverseR;
            for (var lm = l * l; lm < (l + 1) * (l + 1); lm++)
            {
                var v = s[lm];
                // ∇(S r^−l) = ∇S r^−l − l S r^−l r_vec / r².
                sx[lm] = norm * (sx[lm] - (radial * v * dx));
                sy[lm] = norm * (sy[lm] - (radial * v * dy));
                sz[lm] = norm * (sz[lm] - (radial * v * dz));
                s[lm] = norm * v;
            }
            scale *= inverseR;
        }
        s[0] = sx[0] = sy[0] = sz[0] = 0; // l = 0 is not part of any descriptor
    }

    /// <summary>The ZBL screened-nuclear repulsion, half of each pair to each atom (nep.md §a.2, universal or flexible parameters).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)] // hot from the first call: skip tier-0 code
    private void Zbl(NepStructure structure, NeighborList list, double[] energies, double[] forces, double[] virials)
    {
        var zbl = _model.Zbl!;
        ReadOnlySpan<double> a = [0.18175, 0.50986, 0.28022, 0.02817];
        ReadOnlySpan<double> b = [3.1998, 0.94229, 0.4029, 0.20162];
        const double K = 14.399645;
        var types = _model.SpeciesCount;
        for (var i = 0; i < structure.Count; i++)
        {
            var ti = structure.Types[i];
            for (var p = list.Start[i]; p < list.Start[i + 1]; p++)
            {
                var j = list.Index[p];
                var tj = structure.Types[j];
                var (dx, dy, dz) = (list.Delta[3 * p], list.Delta[(3 * p) + 1], list.Delta[(3 * p) + 2]);
                var r = Math.Sqrt((dx * dx) + (dy * dy) + (dz * dz));
                double r1 = zbl.InnerRadius, r2 = zbl.OuterRadius;
                ReadOnlySpan<double> coefficients = [a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3]];
                if (zbl.Flexible is { } flexible)
                {
                    var (lo, hi) = ti <= tj ? (ti, tj) : (tj, ti);
                    var pair = (lo * types) - (lo * (lo - 1) / 2) + (hi - lo);
                    r1 = flexible[10 * pair];
                    r2 = flexible[(10 * pair) + 1];
                    coefficients = flexible.AsSpan((10 * pair) + 2, 8);
                }
                if (r >= r2 || r >= _model.AngularCutoff(ti, tj))
                {
                    continue;
                }
                var zi = _zOfType[ti];
                var zj = _zOfType[tj];
                var inverseA = (Math.Pow(zi, 0.23) + Math.Pow(zj, 0.23)) / 0.46848;
                double phi = 0, dphi = 0;
                for (var k = 0; k < 4; k++)
                {
                    var e = coefficients[2 * k] * Math.Exp(-coefficients[(2 * k) + 1] * r * inverseA);
                    phi += e;
                    dphi -= coefficients[(2 * k) + 1] * inverseA * e;
                }
                var prefactor = K * zi * zj / r;
                var value = prefactor * phi;
                var derivative = (prefactor * dphi) - (value / r);
                double fs = 1, dfs = 0;
                if (r >= r1)
                {
                    var angle = Math.PI * (r - r1) / (r2 - r1);
                    fs = 0.5 * (1 + Math.Cos(angle));
                    dfs = -0.5 * Math.PI / (r2 - r1) * Math.Sin(angle);
                }
                var energy = value * fs;
                var dEdr = (derivative * fs) + (value * dfs);
                energies[i] += 0.5 * energy; // the pair appears in both atoms' lists
                var scale = 0.5 * dEdr / r;
                var (fx, fy, fz) = (scale * dx, scale * dy, scale * dz);
                AddPair(forces, virials, i, j, dx, dy, dz, fx, fy, fz);
            }
        }
    }

    /// <summary>The q_222 tensor symmetrised over its three indices (so the gradient is 3 Σ T a a).</summary>
    private static double[,,] FourBodySymmetric()
    {
        var t = SolidHarmonics.FourBodyTensor;
        var s = new double[5, 5, 5];
        for (var x = 0; x < 5; x++)
        {
            for (var y = 0; y < 5; y++)
            {
                for (var z = 0; z < 5; z++)
                {
                    s[x, y, z] = (t[x, y, z] + t[x, z, y] + t[y, x, z] + t[y, z, x] + t[z, x, y] + t[z, y, x]) / 6;
                }
            }
        }
        return s;
    }
}

/// <summary>What to compute besides energies, forces and the cell virial, and on how many threads.</summary>
public sealed record NepOptions(bool PerAtomVirial = false, bool Descriptors = false, int Threads = 1);
