using System.Text;
using ClusterML.Core.Engines;
using ClusterML.Core.IO;
using ClusterML.Core.Validation;
using ClusterML.Engines.Nep.Evaluation;
using ClusterML.Engines.Nep.Model;
using ClusterML.Engines.Nep.Structures;
using ClusterML.Engines.Nep.Xyz;

namespace ClusterML.Engines.Nep.Data;

/// <summary>
/// Makes NEP training frames from a few source structures and a reference model: frame k (0 ≤ k &lt; n) takes source frame
/// k mod (source count), repeats it a × b × c times along its cell vectors (the cell scaled to match), deforms cell and
/// positions by I + e for a random symmetric strain e (each of e_xx, e_yy, e_zz, e_yz, e_xz, e_xy uniform in [−ε, ε]),
/// adds a Gaussian displacement of standard deviation σ (Å) to every Cartesian component of every position, and labels
/// the result with <see cref="NepCalculator"/>: energy (eV), forces (eV/Å) and the cell virial (eV, xx xy xz yx yy yz zx zy zz).
/// </summary>
/// <remarks>
/// <para>
/// Deterministic: the random numbers of frame k come from <c>new Random(Seeds.Derive(seed, k))</c> (the six strain
/// components first, then the displacements atom by atom, x y z), and every frame is evaluated on one thread, so the
/// output bytes depend on the seed and the other settings only — never on <see cref="NepFrameSettings.Threads"/>, which
/// only says how many frames are evaluated side by side.
/// </para>
/// <para>
/// Streamed: only the source frames and a window of about two frames per thread are in memory, so output sets of any size
/// can be made; frames are written in order as extended XYZ (<see cref="ExtendedXyzWriter"/>, with
/// <c>pbc="T T T" config_type=nep-frames</c>). Not thread-safe itself; one <see cref="Write(string, IProgress{double}?, CancellationToken)"/>
/// at a time.
/// </para>
/// </remarks>
public sealed class NepFrameGenerator
{
    /// <summary>The <c>config_type</c> written on every generated frame.</summary>
    public const string ConfigType = "nep-frames";

    private readonly NepCalculator _calculator;
    private readonly NepFrameSettings _settings;
    private readonly IReadOnlyList<(NepStructure Structure, string[] Species)> _sources;

    /// <summary>Checks the settings and the source frames (every species must be one of the model's).</summary>
    /// <param name="model">The reference potential that labels the frames.</param>
    /// <param name="sources">The source structures (at least one; their reference labels are ignored).</param>
    /// <param name="settings">What to generate; validated here.</param>
    /// <param name="sourceFile">The file the sources came from, named in error messages, or null.</param>
    /// <exception cref="InvalidInputException">A setting is out of range, there are no sources, a source has a species the
    /// model lacks (names the file, frame and atom) or the supercell would be too large.</exception>
    public NepFrameGenerator(NepModel model, IReadOnlyList<XyzFrame> sources, NepFrameSettings settings, string? sourceFile = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings.Validated();
        if (sources.Count == 0)
        {
            throw new InvalidInputException("--from", "has no frames", sourceFile);
        }
        var largest = sources.Max(f => f.AtomCount);
        if (largest * settings.Images > NepFrameSettings.MaxAtomsPerFrame)
        {
            throw new InvalidInputException("--supercell",
                $"{settings.SupercellA},{settings.SupercellB},{settings.SupercellC} of a {largest}-atom source frame gives {largest * settings.Images} atoms; at most {NepFrameSettings.MaxAtomsPerFrame} per frame");
        }
        _sources = [.. sources.Select(f => (NepStructure.FromFrame(f, model, sourceFile), f.Species))];
        _calculator = new NepCalculator(model);
    }

    /// <summary>Reads the source frames of <paramref name="sourcePath"/> (streamed; only the frames are kept) and checks them.</summary>
    /// <param name="model">The reference potential.</param>
    /// <param name="sourcePath">Extended-XYZ source structures (<c>--from</c>).</param>
    /// <param name="settings">What to generate.</param>
    /// <returns>A generator for those sources.</returns>
    /// <exception cref="InvalidInputException">The file is missing or malformed, or as for the constructor.</exception>
    public static NepFrameGenerator FromFile(NepModel model, string sourcePath, NepFrameSettings settings)
    {
        ArgumentException.ThrowIfNullOrEmpty(sourcePath);
        if (!File.Exists(sourcePath))
        {
            throw new InvalidInputException("--from", $"'{sourcePath}' does not exist");
        }
        return new NepFrameGenerator(model, [.. ExtendedXyzReader.Read(sourcePath, physical: true)], settings, sourcePath);
    }

    /// <summary>
    /// Generates and labels every frame into <paramref name="path"/>: written under a temporary name beside it and moved
    /// into place only when all frames are written, so a failure or cancellation leaves no partial file.
    /// </summary>
    /// <param name="path">The output extended-XYZ file (created or overwritten, UTF-8 without BOM, '\n' line ends).</param>
    /// <param name="progress">Receives the fraction of frames written (0–1] after each frame, or null.</param>
    /// <param name="cancellationToken">Checked between frames.</param>
    /// <returns>Counts and ranges of what was written.</returns>
    /// <exception cref="OperationCanceledException">When <paramref name="cancellationToken"/> fires.</exception>
    public NepFrameSummary Write(string path, IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        NepFrameSummary? summary = null;
        AtomicFile.Write(path, staged =>
        {
            using var writer = new StreamWriter(staged, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 1 << 16);
            summary = Write(writer, progress, cancellationToken);
        });
        return summary!;
    }

    /// <summary>Generates and labels every frame, writing them in order to <paramref name="writer"/> (which stays open).</summary>
    /// <param name="writer">Where the extended XYZ goes.</param>
    /// <param name="progress">Receives the fraction of frames written (0–1] after each frame, or null.</param>
    /// <param name="cancellationToken">Checked between frames.</param>
    /// <returns>Counts and ranges of what was written.</returns>
    /// <exception cref="OperationCanceledException">When <paramref name="cancellationToken"/> fires.</exception>
    public NepFrameSummary Write(TextWriter writer, IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var count = _settings.Count;
        var threads = _settings.Threads;
        // A window of frames is built and evaluated side by side (one thread each, so the bits do not depend on the thread
        // count), then written in order; the window bounds memory whatever the number of frames.
        var window = new XyzFrame[Math.Min(count, 2 * threads)];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = threads, CancellationToken = cancellationToken };
        long atoms = 0;
        double minEnergy = double.PositiveInfinity, maxEnergy = double.NegativeInfinity, maxForce = 0;
        for (var first = 0; first < count; first += window.Length)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var size = Math.Min(window.Length, count - first);
            if (threads == 1 || size == 1)
            {
                for (var w = 0; w < size; w++)
                {
                    window[w] = Label(first + w);
                }
            }
            else
            {
                Parallel.For(0, size, parallel, w => window[w] = Label(first + w));
            }
            for (var w = 0; w < size; w++)
            {
                var frame = window[w];
                ExtendedXyzWriter.Write(writer, frame);
                atoms += frame.AtomCount;
                var perAtom = frame.Energy!.Value / frame.AtomCount;
                minEnergy = Math.Min(minEnergy, perAtom);
                maxEnergy = Math.Max(maxEnergy, perAtom);
                var f = frame.Forces!;
                for (var i = 0; i < f.Length; i += 3)
                {
                    maxForce = Math.Max(maxForce, Math.Sqrt((f[i] * f[i]) + (f[i + 1] * f[i + 1]) + (f[i + 2] * f[i + 2])));
                }
                window[w] = null!;
                progress?.Report((double)(first + w + 1) / count);
            }
        }
        writer.Flush();
        return new NepFrameSummary(count, atoms, minEnergy, maxEnergy, maxForce);
    }

    /// <summary>Frame <paramref name="k"/> before labelling: supercell, strain and rattle (cell rows a, b, c; positions in Å).</summary>
    internal (NepStructure Structure, string[] Species) Build(int k)
    {
        var (source, sourceSpecies) = _sources[k % _sources.Count];
        var (na, nb, nc) = (_settings.SupercellA, _settings.SupercellB, _settings.SupercellC);
        var n = source.Count;
        var images = na * nb * nc;
        var h = source.Cell;
        var types = new int[n * images];
        var species = new string[n * images];
        var positions = new double[3 * n * images];
        var atom = 0;
        for (var ia = 0; ia < na; ia++)
        {
            for (var ib = 0; ib < nb; ib++)
            {
                for (var ic = 0; ic < nc; ic++)
                {
                    for (var i = 0; i < n; i++, atom++)
                    {
                        types[atom] = source.Types[i];
                        species[atom] = sourceSpecies[i];
                        for (var d = 0; d < 3; d++)
                        {
                            positions[(3 * atom) + d] = source.Positions[(3 * i) + d] + (ia * h[d]) + (ib * h[3 + d]) + (ic * h[6 + d]);
                        }
                    }
                }
            }
        }
        double[] cell = [na * h[0], na * h[1], na * h[2], nb * h[3], nb * h[4], nb * h[5], nc * h[6], nc * h[7], nc * h[8]];

        var random = new Random(Seeds.Derive(_settings.Seed, k));
        var epsilon = _settings.Strain;
        double Uniform() => epsilon * ((2 * random.NextDouble()) - 1);
        var (xx, yy, zz, yz, xz, xy) = (Uniform(), Uniform(), Uniform(), Uniform(), Uniform(), Uniform());
        // F = I + e is symmetric, so a row vector times F equals F times the column vector: one formula for cell rows and positions.
        double[] deformation = [1 + xx, xy, xz, xy, 1 + yy, yz, xz, yz, 1 + zz];
        Deform(cell, deformation);
        Deform(positions, deformation);

        var sigma = _settings.Rattle;
        for (var c = 0; c < positions.Length; c += 2)
        {
            // Box–Muller: two independent standard normals per pair of uniforms; 1 − u keeps the logarithm finite.
            var radius = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble()));
            var angle = 2 * Math.PI * random.NextDouble();
            positions[c] += sigma * radius * Math.Cos(angle);
            if (c + 1 < positions.Length)
            {
                positions[c + 1] += sigma * radius * Math.Sin(angle);
            }
        }
        return (new NepStructure(cell, types, positions), species);
    }

    private XyzFrame Label(int k)
    {
        var (structure, species) = Build(k);
        var result = _calculator.Compute(structure, new NepOptions(Threads: 1));
        var extra = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["pbc"] = "T T T", ["config_type"] = ConfigType };
        return new XyzFrame(k, structure.Cell, species, structure.Positions, result.Forces, result.Energy, result.Virial, 1.0, extra);
    }

    /// <summary>Replaces every row vector r (3 numbers) of <paramref name="rows"/> by r·F.</summary>
    private static void Deform(double[] rows, double[] f)
    {
        for (var r = 0; r < rows.Length; r += 3)
        {
            var (x, y, z) = (rows[r], rows[r + 1], rows[r + 2]);
            rows[r] = (x * f[0]) + (y * f[3]) + (z * f[6]);
            rows[r + 1] = (x * f[1]) + (y * f[4]) + (z * f[7]);
            rows[r + 2] = (x * f[2]) + (y * f[5]) + (z * f[8]);
        }
    }
}
