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

    public NepCalculator(NepModel model)
    {
        _model = model;
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

    public NepResult Compute(NepStructure structure, NepOptions options)
    {
        var m = _model;
        var n = structure.Count;
        var neighbors = NeighborList.Build(structure, m.MaxRadialCutoff);
        var energies = new double[n];
        var forces = new double[3 * n];
        var atomVirials = new double[9 * n];
        var descriptors = options.Descriptors ? new double[n * m.Dimension] : null;
        var threads = Math.Max(1, Math.Min(options.Threads, Environment.ProcessorCount));
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
            S = new double[harmonics];
            SX = new double[harmonics];
            SY = new double[harmonics];
            SZ = new double[harmonics];
            Hidden = new double[m.Neurons];
            GRadial = new double[m.NMaxRadial + 1];
            DGRadial = new double[m.NMaxRadial + 1];
            GAngular = new double[m.NMaxAngular + 1];
            DGAngular = new double[m.NMaxAngular + 1];
        }

        public double[] F { get; }

        public double[] DF { get; }

        public double[] Q { get; }

        public double[] DQ { get; }

        public double[] A { get; }

        public double[] G { get; }

        public double[] S { get; }

        public double[] SX { get; }

        public double[] SY { get; }

        public double[] SZ { get; }

        public double[] Hidden { get; }

        public double[] GRadial { get; }

        public double[] DGRadial { get; }

        public double[] GAngular { get; }

        public double[] DGAngular { get; }
    }

    private void Atom(NepStructure structure, NeighborList list, int i, Workspace w, double[] energies, double[] forces, double[] virials, double[]? descriptors)
    {
        var m = _model;
        var ti = structure.Types[i];
        var nR = m.NMaxRadial + 1;
        var nA = m.NMaxAngular + 1;
        var harmonics = SolidHarmonics.Count(m.LMax);
        Array.Clear(w.Q);
        Array.Clear(w.A);

        // Descriptors.
        for (var p = list.Start[i]; p < list.Start[i + 1]; p++)
        {
            var j = list.Index[p];
            var tj = structure.Types[j];
            var (dx, dy, dz) = (list.Delta[3 * p], list.Delta[(3 * p) + 1], list.Delta[(3 * p) + 2]);
            var r = Math.Sqrt((dx * dx) + (dy * dy) + (dz * dz));
            var rcR = m.RadialCutoff(ti, tj);
            if (r < rcR)
            {
                Radial(r, rcR, ti, tj, w);
                for (var k = 0; k < nR; k++)
                {
                    w.Q[k] += w.GRadial[k];
                }
            }
            var rcA = m.AngularCutoff(ti, tj);
            if (r < rcA)
            {
                Angular(r, rcA, ti, tj, w);
                Harmonics(dx, dy, dz, r, w);
                for (var k = 0; k < nA; k++)
                {
                    var g = w.GAngular[k];
                    for (var lm = 1; lm < harmonics; lm++)
                    {
                        w.A[(k * harmonics) + lm] += g * w.S[lm];
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
                w.Q[nR + ((l - 1) * nA) + k] = q;
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
        var offset = m.NetworkOffset(m.Version == 3 ? 0 : ti);
        var par = m.Parameters;
        var energy = -m.B1;
        Array.Clear(w.DQ);
        for (var mu = 0; mu < m.Neurons; mu++)
        {
            var x = -par[offset + (m.Neurons * dim) + mu];
            var row = offset + (mu * dim);
            for (var v = 0; v < dim; v++)
            {
                x += par[row + v] * w.Q[v] * m.QScaler[v];
            }
            var t = Math.Tanh(x);
            var w1 = par[offset + (m.Neurons * dim) + m.Neurons + mu];
            energy += w1 * t;
            var back = w1 * (1 - (t * t));
            for (var v = 0; v < dim; v++)
            {
                w.DQ[v] += back * par[row + v];
            }
        }
        for (var v = 0; v < dim; v++)
        {
            w.DQ[v] *= m.QScaler[v];
        }
        energies[i] = energy;
        if (descriptors is not null)
        {
            for (var v = 0; v < dim; v++)
            {
                descriptors[(i * dim) + v] = w.Q[v] * m.QScaler[v];
            }
        }

        // dU/dA_nlm.
        for (var k = 0; k < nA; k++)
        {
            var a = w.A.AsSpan(k * harmonics, harmonics);
            var g = w.G.AsSpan(k * harmonics, harmonics);
            for (var l = 1; l <= m.LMax; l++)
            {
                var dq = w.DQ[nR + ((l - 1) * nA) + k];
                if (l == 1 && m.Has5Body)
                {
                    var fifth = nR + ((m.LMax + (m.Has4Body ? 1 : 0)) * nA) + k;
                    dq += w.DQ[fifth] * 2 * FivePlusOneSevenFifteenths * w.Q[nR + k];
                }
                for (var lm = l * l; lm < (l + 1) * (l + 1); lm++)
                {
                    g[lm] = 2 * dq * a[lm];
                }
            }
            if (m.Has4Body)
            {
                var dq = w.DQ[nR + (m.LMax * nA) + k];
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

        // Partial forces f_ij = ∂U_i/∂r_ij.
        for (var p = list.Start[i]; p < list.Start[i + 1]; p++)
        {
            var j = list.Index[p];
            var tj = structure.Types[j];
            var (dx, dy, dz) = (list.Delta[3 * p], list.Delta[(3 * p) + 1], list.Delta[(3 * p) + 2]);
            var r = Math.Sqrt((dx * dx) + (dy * dy) + (dz * dz));
            double fx = 0, fy = 0, fz = 0;
            var rcR = m.RadialCutoff(ti, tj);
            if (r < rcR)
            {
                Radial(r, rcR, ti, tj, w);
                var s = 0.0;
                for (var k = 0; k < nR; k++)
                {
                    s += w.DQ[k] * w.DGRadial[k];
                }
                fx += s * dx / r;
                fy += s * dy / r;
                fz += s * dz / r;
            }
            var rcA = m.AngularCutoff(ti, tj);
            if (r < rcA)
            {
                Angular(r, rcA, ti, tj, w);
                Harmonics(dx, dy, dz, r, w);
                for (var k = 0; k < nA; k++)
                {
                    var g = w.G.AsSpan(k * harmonics, harmonics);
                    double radialPart = 0, gx = 0, gy = 0, gz = 0;
                    for (var lm = 1; lm < harmonics; lm++)
                    {
                        radialPart += g[lm] * w.S[lm];
                        gx += g[lm] * w.SX[lm];
                        gy += g[lm] * w.SY[lm];
                        gz += g[lm] * w.SZ[lm];
                    }
                    var dg = w.DGAngular[k] * radialPart / r;
                    var value = w.GAngular[k];
                    fx += (dg * dx) + (value * gx);
                    fy += (dg * dy) + (value * gy);
                    fz += (dg * dz) + (value * gz);
                }
            }
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
    }

    private void Radial(double r, double rc, int t1, int t2, Workspace w)
    {
        var m = _model;
        var basis = m.BasisRadial + 1;
        NepBasis.Evaluate(r, rc, w.F.AsSpan(0, basis), w.DF.AsSpan(0, basis));
        for (var n = 0; n <= m.NMaxRadial; n++)
        {
            double g = 0, dg = 0;
            for (var k = 0; k < basis; k++)
            {
                var c = m.RadialCoefficient(n, k, t1, t2);
                g += c * w.F[k];
                dg += c * w.DF[k];
            }
            w.GRadial[n] = g;
            w.DGRadial[n] = dg;
        }
    }

    private void Angular(double r, double rc, int t1, int t2, Workspace w)
    {
        var m = _model;
        var basis = m.BasisAngular + 1;
        NepBasis.Evaluate(r, rc, w.F.AsSpan(0, basis), w.DF.AsSpan(0, basis));
        for (var n = 0; n <= m.NMaxAngular; n++)
        {
            double g = 0, dg = 0;
            for (var k = 0; k < basis; k++)
            {
                var c = m.AngularCoefficient(n, k, t1, t2);
                g += c * w.F[k];
                dg += c * w.DF[k];
            }
            w.GAngular[n] = g;
            w.DGAngular[n] = dg;
        }
    }

    /// <summary>Orthonormal Y_lm(r̂) in S and its gradient with respect to the pair vector in SX, SY, SZ.</summary>
    private void Harmonics(double dx, double dy, double dz, double r, Workspace w)
    {
        var lMax = _model.LMax;
        SolidHarmonics.Evaluate(dx, dy, dz, lMax, w.S, w.SX, w.SY, w.SZ);
        var inverseR = 1 / r;
        var scale = inverseR;
        for (var l = 1; l <= lMax; l++)
        {
            var norm = Math.Sqrt(((2 * l) + 1) / (4 * Math.PI)) * scale; // N_l / r^l
            var radial = l * inverseR * inverseR;
            for (var lm = l * l; lm < (l + 1) * (l + 1); lm++)
            {
                var s = w.S[lm];
                // ∇(S r^−l) = ∇S r^−l − l S r^−l r_vec / r².
                w.SX[lm] = norm * (w.SX[lm] - (radial * s * dx));
                w.SY[lm] = norm * (w.SY[lm] - (radial * s * dy));
                w.SZ[lm] = norm * (w.SZ[lm] - (radial * s * dz));
                w.S[lm] = norm * s;
            }
            scale *= inverseR;
        }
    }

    /// <summary>The ZBL screened-nuclear repulsion, half of each pair to each atom (nep.md §a.2, universal or flexible parameters).</summary>
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
