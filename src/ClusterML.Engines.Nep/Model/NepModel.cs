using System.Globalization;
using System.Text;
using ClusterML.Core.IO;
using ClusterML.Core.Validation;

namespace ClusterML.Engines.Nep.Model;

/// <summary>Universal ZBL parameters of a <c>*_zbl</c> model: inner and outer radius (and the covalent-radius factor when typewise).</summary>
public sealed record NepZbl(double InnerRadius, double OuterRadius, double? TypewiseFactor, double[]? Flexible);

/// <summary>
/// A NEP3/NEP4 potential as GPUMD's <c>nep.txt</c> holds it (see nep.md §a.2, §b.1): species, per-species radial and angular
/// cutoffs, descriptor sizes, the optional 4-body q_222 and 5-body q_1111 terms, the network(s), the trainable radial
/// coefficients c and the descriptor scaler. Parameter arrays use GPUMD's layouts; <see cref="Parameters"/> is the flat
/// vector in file order (w0, b0, w1 per network, then b1, then c radial, c angular).
/// </summary>
public sealed class NepModel
{
    public NepModel(int version, IReadOnlyList<string> species, IReadOnlyList<(double Radial, double Angular)> cutoffs, int maxNeighborsRadial,
        int maxNeighborsAngular, int nMaxRadial, int nMaxAngular, int basisRadial, int basisAngular, int lMax, bool has4Body, bool has5Body,
        int neurons, double[] parameters, double[] qScaler, NepZbl? zbl = null)
        : this(version, species, cutoffs, maxNeighborsRadial, maxNeighborsAngular, nMaxRadial, nMaxAngular, basisRadial, basisAngular, lMax,
            has4Body, has5Body, neurons, parameters, qScaler, zbl, validate: true)
    {
    }

    /// <summary>
    /// 3 (one network shared by all species), 4 (one network per species), or 1: the original NEP form (Fan et al. 2021) with
    /// fixed radial functions g_n = f_n (no c coefficients) and q_nl = Σ_j Σ_k g_n(r_ij) g_n(r_ik) P_l(cos θ_ijk), one network.
    /// </summary>
    public int Version { get; }

    public IReadOnlyList<string> Species { get; }

    public int SpeciesCount => Species.Count;

    /// <summary>Radial and angular cutoff per species (Å); a pair uses the mean of its two species' values.</summary>
    public IReadOnlyList<(double Radial, double Angular)> Cutoffs { get; }

    /// <summary>The file gave one cutoff pair for all species.</summary>
    public bool UniformCutoff { get; }

    public int MaxNeighborsRadial { get; }

    public int MaxNeighborsAngular { get; }

    public int NMaxRadial { get; }

    public int NMaxAngular { get; }

    public int BasisRadial { get; }

    public int BasisAngular { get; }

    public int LMax { get; }

    public bool Has4Body { get; }

    public bool Has5Body { get; }

    public int Neurons { get; }

    public double[] Parameters { get; }

    public double[] QScaler { get; }

    public NepZbl? Zbl { get; }

    /// <summary>Angular descriptor slots: l = 1…l_max, then q_222, then q_1111.</summary>
    public int AngularSlots => LMax + (Has4Body ? 1 : 0) + (Has5Body ? 1 : 0);

    public int Dimension => NMaxRadial + 1 + ((NMaxAngular + 1) * AngularSlots);

    public int Networks => Version == 4 ? SpeciesCount : 1;

    /// <summary>Factor between the descriptor q_nl and Σ_m A_nlm² (NEP1 uses Legendre polynomials without (2l+1)/4π).</summary>
    public double AngularScale(int l) => Version == 1 ? 4 * Math.PI / ((2 * l) + 1) : 1.0;

    /// <summary>Parameters of one network: w0 (neurons × dim), b0, w1.</summary>
    public int NetworkSize => (Dimension + 2) * Neurons;

    public int AnnParameterCount => (NetworkSize * Networks) + 1;

    public int RadialCoefficientCount => Version == 1 ? 0 : SpeciesCount * SpeciesCount * (NMaxRadial + 1) * (BasisRadial + 1);

    public int AngularCoefficientCount => Version == 1 ? 0 : SpeciesCount * SpeciesCount * (NMaxAngular + 1) * (BasisAngular + 1);

    public int ParameterCount => AnnParameterCount + RadialCoefficientCount + AngularCoefficientCount;

    public double MaxRadialCutoff => Cutoffs.Max(c => c.Radial);

    public double MaxAngularCutoff => Cutoffs.Max(c => c.Angular);

    public double RadialCutoff(int t1, int t2) => 0.5 * (Cutoffs[t1].Radial + Cutoffs[t2].Radial);

    public double AngularCutoff(int t1, int t2) => 0.5 * (Cutoffs[t1].Angular + Cutoffs[t2].Angular);

    /// <summary>Offset of network <paramref name="network"/>'s w0 in <see cref="Parameters"/>; b0 follows after neurons × dim, w1 after that.</summary>
    public int NetworkOffset(int network) => network * NetworkSize;

    public double B1 => Parameters[AnnParameterCount - 1];

    /// <summary>c_nk^{t1 t2} of the radial channel.</summary>
    public double RadialCoefficient(int n, int k, int t1, int t2) => Version == 1 ? (n == k ? 1 : 0) : Parameters[RadialCoefficientIndex(n, k, t1, t2)];

    /// <summary>Where c_nk^{t1 t2} of the radial channel sits in <see cref="Parameters"/> (GPUMD's layout; not for NEP1).</summary>
    public int RadialCoefficientIndex(int n, int k, int t1, int t2) =>
        AnnParameterCount + ((((n * (BasisRadial + 1)) + k) * SpeciesCount * SpeciesCount) + (t1 * SpeciesCount) + t2);

    /// <summary>c_nk^{t1 t2} of the angular channel.</summary>
    public double AngularCoefficient(int n, int k, int t1, int t2) => Version == 1 ? (n == k ? 1 : 0) : Parameters[AngularCoefficientIndex(n, k, t1, t2)];

    /// <summary>Where c_nk^{t1 t2} of the angular channel sits in <see cref="Parameters"/> (GPUMD's layout; not for NEP1).</summary>
    public int AngularCoefficientIndex(int n, int k, int t1, int t2) =>
        AnnParameterCount + RadialCoefficientCount + ((((n * (BasisAngular + 1)) + k) * SpeciesCount * SpeciesCount) + (t1 * SpeciesCount) + t2);

    /// <summary>Type index of a species symbol, or −1.</summary>
    public int TypeOf(string symbol)
    {
        for (var t = 0; t < Species.Count; t++)
        {
            if (string.Equals(Species[t], symbol, StringComparison.OrdinalIgnoreCase))
            {
                return t;
            }
        }
        return -1;
    }

    /// <summary>
    /// The largest |value| of a parameter, q_scaler or flexible-ZBL number. Trained NEP files hold values of order 1–100
    /// (GPUMD's PbTe and Si models: at most 24); with every number within 1e6 the energies, forces and virials of any structure
    /// the XYZ reader accepts stay finite in double precision, while a value like 1e308 overflows in the first product.
    /// </summary>
    public const double MaxParameter = 1e6;

    /// <summary>The largest cutoff a <c>nep.txt</c> may give (Å), GPUMD's own limit.</summary>
    public const double MaxCutoff = 100;

    /// <summary>
    /// Reads GPUMD's <c>nep.txt</c>: the keyword lines with exactly the values GPUMD writes, then one number per line
    /// (parameters, q_scaler, flexible ZBL); a line with a second token or a malformed number is refused, as are sizes beyond
    /// GPUMD's limits and text after the last number.
    /// </summary>
    /// <exception cref="InvalidInputException">The file is not a NEP3/NEP4 potential this build evaluates (names the line and field).</exception>
    public static NepModel Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidInputException("--model", $"'{path}' does not exist");
        }
        using var reader = new StreamReader(path);
        var lineNumber = 0;
        string[] Next(string field)
        {
            while (reader.ReadLine() is { } line)
            {
                lineNumber++;
                var tokens = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                if (tokens.Length > 0)
                {
                    return tokens;
                }
            }
            throw new InvalidInputException(field, "the file ends early", path, lineNumber + 1);
        }
        InvalidInputException Bad(string field, string problem) => new(field, problem, path, lineNumber);
        int Int(string token, string field) =>
            int.TryParse(token, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : throw Bad(field, $"'{token}' is not an integer");
        double Real(string token, string field) =>
            double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) ? v : throw Bad(field, $"'{token}' is not a finite number");
        string[] Keyword(string keyword, int minimum, int maximum)
        {
            var tokens = Next(keyword);
            if (!string.Equals(tokens[0], keyword, StringComparison.OrdinalIgnoreCase))
            {
                throw Bad(keyword, $"expected the '{keyword}' line, found '{tokens[0]}'");
            }
            if (tokens.Length < minimum + 1)
            {
                throw Bad(keyword, $"needs at least {minimum} values");
            }
            if (tokens.Length > maximum + 1)
            {
                throw Bad(keyword, $"has {tokens.Length - 1} values, at most {maximum} allowed ('{string.Join(' ', tokens[(maximum + 1)..])}' is extra)");
            }
            return tokens;
        }
        // After the header GPUMD writes one number per line; a second token means a damaged file (a lost line break, a number
        // split by a tab, garbage), which the old first-token reading silently accepted.
        double Number(string field)
        {
            var tokens = Next(field);
            if (tokens.Length != 1)
            {
                throw Bad(field, $"expected one number per line, found {tokens.Length} tokens ('{string.Join(' ', tokens)}')");
            }
            var value = Real(tokens[0], field);
            return Math.Abs(value) <= MaxParameter ? value : throw Bad(field, $"'{tokens[0]}' is beyond ±{MaxParameter:0e0}");
        }

        var header = Next("header");
        var token = header[0].ToLowerInvariant();
        var (version, zblModel) = token switch
        {
            "nep3" => (3, false),
            "nep4" => (4, false),
            "nep3_zbl" => (3, true),
            "nep4_zbl" => (4, true),
            _ => throw Bad("model", $"'{header[0]}' is not supported: this build evaluates nep3, nep4, nep3_zbl and nep4_zbl potentials"),
        };
        if (header.Length < 3)
        {
            throw Bad("model", "the first line must be 'nep4 T symbol1 … symbolT'");
        }
        var count = Int(header[1], "species");
        if (count < 1 || header.Length != 2 + count)
        {
            throw Bad("species", $"{header[1]} species announced but {header.Length - 2} symbols given");
        }
        var species = header[2..];

        NepZbl? zbl = null;
        if (zblModel)
        {
            var z = Keyword("zbl", 2, 3);
            zbl = new NepZbl(Real(z[1], "zbl"), Real(z[2], "zbl"), z.Length > 3 ? Real(z[3], "zbl") : null, null);
            // The evaluator cannot use these; say so with the line rather than fail later.
            if (zbl.TypewiseFactor is not null)
            {
                throw Bad("zbl", "the typewise ZBL cutoff (zbl r1 r2 f) is not supported by this build");
            }
            if (zbl.InnerRadius < 0 || zbl.OuterRadius < zbl.InnerRadius || zbl.OuterRadius > MaxCutoff)
            {
                throw Bad("zbl", $"needs 0 ≤ inner ≤ outer ≤ {MaxCutoff} Å (got {z[1]} {z[2]})");
            }
            if (species.FirstOrDefault(x => Evaluation.Elements.AtomicNumber(x) == 0) is { } unknown)
            {
                throw Bad("zbl", $"ZBL needs chemical symbols for every species; '{unknown}' is not an element");
            }
        }
        var cutoffLine = Keyword("cutoff", 4, int.MaxValue - 1);
        List<(double, double)> cutoffs;
        int mnRadial, mnAngular;
        if (cutoffLine.Length == 5)
        {
            cutoffs = [(Real(cutoffLine[1], "cutoff"), Real(cutoffLine[2], "cutoff"))];
            (mnRadial, mnAngular) = (Int(cutoffLine[3], "cutoff"), Int(cutoffLine[4], "cutoff"));
        }
        else if (cutoffLine.Length == 1 + (2 * count) + 2)
        {
            cutoffs = [.. Enumerable.Range(0, count).Select(t => (Real(cutoffLine[1 + (2 * t)], "cutoff"), Real(cutoffLine[2 + (2 * t)], "cutoff")))];
            (mnRadial, mnAngular) = (Int(cutoffLine[^2], "cutoff"), Int(cutoffLine[^1], "cutoff"));
        }
        else
        {
            throw Bad("cutoff", $"expected 'cutoff rcR rcA MN_R MN_A' or per-species pairs (1 + 2×{count} + 2 tokens), found {cutoffLine.Length} tokens (the legacy typewise-cutoff form is not supported)");
        }
        if (cutoffs.Any(c => c.Item1 <= 0 || c.Item2 <= 0 || c.Item2 > c.Item1))
        {
            throw Bad("cutoff", "cutoffs must be positive and the angular one at most the radial one");
        }
        if (cutoffs.Any(c => c.Item1 > MaxCutoff))
        {
            throw Bad("cutoff", $"cutoffs above {MaxCutoff} Å are not accepted (GPUMD's limit)");
        }
        if (mnRadial < 0 || mnAngular < 0)
        {
            throw Bad("cutoff", $"the neighbour limits must not be negative (got {mnRadial} {mnAngular})");
        }
        // GPUMD's limits (nep.md §b) are n_max ≤ 12/8, basis_size ≤ 16/12, neuron ≤ 120 today and were 19 for sizes in older
        // releases; these looser bounds accept every file GPUMD ever wrote and keep the parameter count far from overflow.
        int Size(string[] line, int position, string field, int max)
        {
            var value = Int(line[position], field);
            return value >= 0 && value <= max ? value : throw Bad(field, $"{value} is outside 0…{max}");
        }
        var nMax = Keyword("n_max", 2, 2);
        var (nR, nA) = (Size(nMax, 1, "n_max", 19), Size(nMax, 2, "n_max", 19));
        var basis = Keyword("basis_size", 2, 2);
        var (bR, bA) = (Size(basis, 1, "basis_size", 19), Size(basis, 2, "basis_size", 19));
        var lMaxLine = Keyword("l_max", 1, 7);
        var lMax = Int(lMaxLine[1], "l_max");
        if (lMax is < 1 or > 8)
        {
            throw Bad("l_max", $"l_max must be 1…8, not {lMax}");
        }
        var has4 = lMaxLine.Length > 2 && Int(lMaxLine[2], "l_max") != 0;
        var has5 = lMaxLine.Length > 3 && Int(lMaxLine[3], "l_max") != 0;
        if (lMaxLine.Skip(4).Any(t => Int(t, "l_max") != 0))
        {
            throw Bad("l_max", "the q_112, q_123, q_233 and q_134 terms are not supported by this build");
        }
        var ann = Keyword("ANN", 1, 2);
        var neurons = Int(ann[1], "ANN");
        if (neurons is < 1 or > 1000)
        {
            throw Bad("ANN", $"{neurons} neurons is outside 1…1000");
        }
        if (ann.Length > 2 && Int(ann[2], "ANN") != 0)
        {
            throw Bad("ANN", "two hidden layers are not supported (GPUMD's MD engine and NEP_CPU read one)");
        }
        var shell = Shape(version, species, cutoffs, nR, nA, bR, bA, lMax, has4, has5, neurons, zbl);
        var parameters = new double[shell.ParameterCount];
        for (var k = 0; k < parameters.Length; k++)
        {
            parameters[k] = Number("parameters");
        }
        var scaler = new double[shell.Dimension];
        for (var k = 0; k < scaler.Length; k++)
        {
            scaler[k] = Number("q_scaler");
        }
        if (zbl is { InnerRadius: 0, OuterRadius: 0 })
        {
            var flexible = new double[10 * count * (count + 1) / 2];
            for (var k = 0; k < flexible.Length; k++)
            {
                flexible[k] = Number("zbl");
            }
            zbl = zbl with { Flexible = flexible };
        }
        while (reader.ReadLine() is { } extra)
        {
            lineNumber++;
            if (extra.Trim().Length > 0)
            {
                throw Bad("parameters", $"more numbers than the header implies ({shell.ParameterCount} parameters + {shell.Dimension} q_scaler values)");
            }
        }
        return new NepModel(version, species, cutoffs, mnRadial, mnAngular, shell.NMaxRadial, shell.NMaxAngular, shell.BasisRadial, shell.BasisAngular,
            lMax, has4, has5, neurons, parameters, scaler, zbl);
    }

    /// <summary>The fields of a model; with <paramref name="validate"/>, the arrays must have the sizes the shape implies.</summary>
    private NepModel(int version, IReadOnlyList<string> species, IReadOnlyList<(double, double)> cutoffs, int mnR, int mnA, int nR, int nA, int bR, int bA,
        int lMax, bool has4, bool has5, int neurons, double[] parameters, double[] scaler, NepZbl? zbl, bool validate)
    {
        (Version, Species, Cutoffs, MaxNeighborsRadial, MaxNeighborsAngular) = (version, species, cutoffs.Count == 1 ? [.. Enumerable.Repeat(cutoffs[0], species.Count)] : cutoffs, mnR, mnA);
        (NMaxRadial, NMaxAngular, BasisRadial, BasisAngular, LMax, Has4Body, Has5Body, Neurons) = (nR, nA, bR, bA, lMax, has4, has5, neurons);
        (Parameters, QScaler, Zbl, UniformCutoff) = (parameters, scaler, zbl, cutoffs.Count == 1);
        if (validate && parameters.Length != ParameterCount)
        {
            throw new ArgumentException($"expected {ParameterCount} parameters, got {parameters.Length}", nameof(parameters));
        }
        if (validate && scaler.Length != Dimension)
        {
            throw new ArgumentException($"expected {Dimension} q_scaler values, got {scaler.Length}", nameof(scaler));
        }
    }

    /// <summary>A model's shape without its numbers (empty arrays): for the sizes of <see cref="ParameterCount"/> and <see cref="Dimension"/>.</summary>
    internal static NepModel Shape(int version, IReadOnlyList<string> species, IReadOnlyList<(double, double)> cutoffs, int nR, int nA, int bR, int bA,
        int lMax, bool has4, bool has5, int neurons, NepZbl? zbl = null) =>
        new(version, species, cutoffs, 0, 0, nR, nA, bR, bA, lMax, has4, has5, neurons, [], [], zbl, validate: false);

    /// <summary>The same model with other parameters (same layout).</summary>
    public NepModel WithParameters(double[] parameters) =>
        new(Version, Species, UniformCutoff ? [Cutoffs[0]] : Cutoffs, MaxNeighborsRadial, MaxNeighborsAngular, NMaxRadial, NMaxAngular, BasisRadial,
            BasisAngular, LMax, Has4Body, Has5Body, Neurons, parameters, QScaler, Zbl);

    /// <summary>
    /// The NEP1 form of the lecture: Chebyshev radial functions g_n = ½(T_n(x)+1) f_c (n = 0…n_max), Legendre angular
    /// descriptors for l = 1…l_max, one tanh network (<paramref name="parameters"/>: w0, b0, w1, then b1).
    /// </summary>
    public static NepModel Nep1(IReadOnlyList<string> species, double radialCutoff, double angularCutoff, int nMaxRadial, int nMaxAngular, int lMax,
        int neurons, double[] parameters, double[] qScaler) =>
        new(1, species, [(radialCutoff, angularCutoff)], 0, 0, nMaxRadial, nMaxAngular, nMaxRadial, nMaxAngular, lMax, false, false, neurons, parameters, qScaler);

    /// <summary>
    /// Writes the model as <c>nep4</c> (a NEP3 model's shared network is repeated per species, which is exact) in GPUMD's layout,
    /// with every number in round-trip form so that reading the file back gives the same doubles.
    /// </summary>
    public void Write(string path)
    {
        if (Version == 1)
        {
            throw new NotSupportedException("NEP1 models have no nep.txt form in GPUMD; convert to NEP3 with identity c coefficients");
        }
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        text.Append(c, $"nep4{(Zbl is null ? "" : "_zbl")} {SpeciesCount} {string.Join(' ', Species)}\n");
        if (Zbl is { } zbl)
        {
            text.Append(c, $"zbl {R(zbl.InnerRadius)} {R(zbl.OuterRadius)}{(zbl.TypewiseFactor is { } f ? " " + R(f) : "")}\n");
        }
        text.Append(UniformCutoff
            ? string.Create(c, $"cutoff {R(Cutoffs[0].Radial)} {R(Cutoffs[0].Angular)} {MaxNeighborsRadial} {MaxNeighborsAngular}\n")
            : string.Create(c, $"cutoff {string.Join(' ', Cutoffs.Select(x => $"{R(x.Radial)} {R(x.Angular)}"))} {MaxNeighborsRadial} {MaxNeighborsAngular}\n"));
        text.Append(c, $"n_max {NMaxRadial} {NMaxAngular}\n");
        text.Append(c, $"basis_size {BasisRadial} {BasisAngular}\n");
        text.Append(c, $"l_max {LMax} {(Has4Body ? 2 : 0)} {(Has5Body ? 1 : 0)}\n");
        text.Append(c, $"ANN {Neurons} 0\n");
        var ann = Parameters.AsSpan(0, NetworkSize * Networks);
        for (var t = 0; t < SpeciesCount; t++)
        {
            foreach (var value in Version == 3 ? ann : ann.Slice(t * NetworkSize, NetworkSize))
            {
                text.Append(R(value)).Append('\n');
            }
        }
        foreach (var value in Parameters.AsSpan(NetworkSize * Networks))
        {
            text.Append(R(value)).Append('\n');
        }
        foreach (var value in QScaler)
        {
            text.Append(R(value)).Append('\n');
        }
        foreach (var value in Zbl?.Flexible ?? [])
        {
            text.Append(R(value)).Append('\n');
        }
        AtomicFile.Write(path, staged => File.WriteAllText(staged, text.ToString()));
    }

    private static string R(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
