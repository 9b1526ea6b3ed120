using System.Globalization;
using ClusterML.Core.Validation;

namespace ClusterML.Engines.Nep.Data;

/// <summary>
/// What <see cref="NepFrameGenerator"/> makes: <paramref name="Count"/> frames, each a source frame repeated
/// <paramref name="SupercellA"/> × <paramref name="SupercellB"/> × <paramref name="SupercellC"/> times along its cell
/// vectors, strained by a random symmetric strain with every independent component uniform in
/// [−<paramref name="Strain"/>, <paramref name="Strain"/>] (dimensionless) and rattled by Gaussian displacements of standard
/// deviation <paramref name="Rattle"/> (Å) per Cartesian component. <paramref name="Seed"/> decides every random number;
/// <paramref name="Threads"/> (≥ 1) only how many frames are evaluated at once, never the output.
/// </summary>
public sealed record NepFrameSettings(
    int Count,
    int SupercellA,
    int SupercellB,
    int SupercellC,
    double Rattle,
    double Strain,
    int Seed,
    int Threads = 1)
{
    /// <summary>
    /// The bound on ε (exclusive): the eigenvalues of e lie within ±3ε, so below 1/3 every deformed cell keeps det(I + e) &gt; 0.
    /// </summary>
    public const double MaxStrain = 1.0 / 3.0;

    /// <summary>The most atoms one generated frame may have (supercell × source atoms), so per-atom buffers stay bounded.</summary>
    public const int MaxAtomsPerFrame = 10_000_000;

    /// <summary>Number of images in the supercell, a·b·c.</summary>
    public long Images => (long)SupercellA * SupercellB * SupercellC;

    /// <summary>
    /// Checks the settings and returns them. Errors name the options of <c>clusterml data generate nep-frames</c>
    /// (<c>--n</c>, <c>--supercell</c>, <c>--rattle</c>, <c>--strain</c>, <c>--threads</c>).
    /// </summary>
    /// <exception cref="InvalidInputException">A value is out of range or not finite.</exception>
    public NepFrameSettings Validated()
    {
        Require.AtLeast("--n", Count, 1);
        if (SupercellA < 1 || SupercellB < 1 || SupercellC < 1)
        {
            throw new InvalidInputException("--supercell", $"needs three positive integers (got {SupercellA},{SupercellB},{SupercellC})");
        }
        if (!double.IsFinite(Rattle) || Rattle < 0)
        {
            throw new InvalidInputException("--rattle", $"must be a finite number ≥ 0 Å (got {Require.Show(Rattle)})");
        }
        if (!double.IsFinite(Strain) || Strain < 0)
        {
            throw new InvalidInputException("--strain", $"must be a finite number ≥ 0 (got {Require.Show(Strain)})");
        }
        if (Strain >= MaxStrain)
        {
            throw new InvalidInputException("--strain", $"must be < 1/3 (got {Require.Show(Strain)}); larger strains can fold the cell");
        }
        Require.AtLeast("--threads", Threads, 1);
        return this;
    }

    /// <summary>Parses <c>a,b,c</c>: three positive integers, the repeats along the cell vectors a, b and c.</summary>
    /// <param name="text">The option's value, e.g. <c>2,2,1</c> (spaces around the numbers are allowed).</param>
    /// <returns>The three repeats.</returns>
    /// <exception cref="InvalidInputException">The text is not three positive integers (names <c>--supercell</c>).</exception>
    public static (int A, int B, int C) ParseSupercell(string? text)
    {
        var parts = (text ?? string.Empty).Split(',', StringSplitOptions.TrimEntries);
        var repeats = new int[parts.Length];
        for (var k = 0; k < parts.Length; k++)
        {
            if (!int.TryParse(parts[k], NumberStyles.None, CultureInfo.InvariantCulture, out repeats[k]) || repeats[k] < 1)
            {
                repeats = [];
                break;
            }
        }
        return repeats is [var a, var b, var c]
            ? (a, b, c)
            : throw new InvalidInputException("--supercell", $"needs three positive integers a,b,c (e.g. 2,2,1), got '{text}'");
    }
}
