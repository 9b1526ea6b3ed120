using ClusterML.Core.Validation;

namespace ClusterML.Oracles;

/// <summary>
/// Lattice thermal conductivity of silicon, bulk and thin film, in a Debye–Callaway kinetic model with a single acoustic
/// branch (shared/notes/physics.md §4.1). Bulk:
/// <code>
/// k = (1/3) ∫₀^{ω_D} C(ω) v² τ(ω) dω,   C(ω) = 3ω²/(2π²v³) · k_B x² eˣ/(eˣ − 1)²,   x = ħω/(k_B T),   ω_D = k_B θ_D/ħ
/// τ⁻¹ = A ω⁴ (isotopes, point defects) + B ω² T e^{−C/T} (Umklapp)
/// </code>
/// with v = 6400 m/s, θ_D = 645 K, A = 1.32e-45 s³, C = 137.3 K (Mingo, PRB 68, 113308 (2003)) and B = 2.77e-19 s/K: Mingo's
/// 1.73e-19 s/K belongs to a full-dispersion model and gives 231 W/m/K with one Debye branch, so B is refit to give the
/// measured 148 W/m/K at 300 K. Bulk k is then 561 / 238 / 148 / 81.5 / 47.8 W/m/K at 100 / 200 / 300 / 500 / 800 K (real Si
/// is ≈ 900 at 100 K: a Debye model cannot fit both ends; that is acceptable for synthetic training data).
/// <para>
/// Film: each frequency's contribution is multiplied by a suppression factor evaluated with its own Knudsen number
/// Kn(ω) = Λ(ω)/d, Λ = v τ(ω): in-plane <see cref="FuchsSondheimer"/> with specularity p(λ) from <see cref="Specularity.Ziman"/>
/// at the phonon wavelength λ = 2πv/ω; cross-plane <see cref="Majumdar"/>'s grey factor (diffuse walls, no p). At 300 K this
/// gives, in W/m/K, in-plane with p = 0: 37.1 / 52.5 / 90.8 / 126.6 / 140.8 at d = 10 nm / 20 nm / 100 nm / 1 µm / 10 µm.
/// </para>
/// <para>
/// Numerics: midpoint rule over ω with <see cref="FrequencyBins"/> bins (the grid and everything on it that does not depend
/// on T is computed once); the Bose factor is written (x/2 / sinh(x/2))², which cannot overflow at large x and is exact at
/// small x. Inputs in the units of the parameter names; results in W/m/K. Pure and thread-safe.
/// </para>
/// </summary>
public static class ThinFilmSilicon
{
    /// <summary>Debye-averaged sound velocity v, m/s.</summary>
    public const double SoundVelocity = 6400.0;

    /// <summary>Debye temperature θ_D, K.</summary>
    public const double DebyeTemperature = 645.0;

    /// <summary>Point-defect (isotope) scattering constant A, s³.</summary>
    public const double PointDefectA = 1.32e-45;

    /// <summary>Umklapp constant B, s/K (refit for one Debye branch; see the class summary).</summary>
    public const double UmklappB = 2.77e-19;

    /// <summary>Umklapp temperature C, K.</summary>
    public const double UmklappC = 137.3;

    /// <summary>Midpoint bins over 0 ≤ ω ≤ ω_D.</summary>
    public const int FrequencyBins = 2000;

    /// <summary>
    /// Lowest temperature of the model's domain, K. Below ~8 K Umklapp has frozen out down to the lowest frequencies, τ ∝ ω⁻⁴
    /// there and the bulk integral (which has no boundary term) diverges at ω → 0: its value would be set by the frequency grid
    /// (9.5e6 W/m/K at 2 K with 2000 bins, 9.7e7 with 20 000). At 10 K it is grid-independent to 0.2 %.
    /// </summary>
    public const double MinimumTemperatureK = 10.0;

    private const double HbarOverBoltzmann = PhysicalConstants.Hbar / PhysicalConstants.Boltzmann;

    private static readonly double DOmega = DebyeFrequency / FrequencyBins;
    private static readonly double[] Omega = new double[FrequencyBins];
    private static readonly double[] OmegaSquared = new double[FrequencyBins];
    private static readonly double[] PointDefectRate = new double[FrequencyBins];
    private static readonly double[] WavelengthNm = new double[FrequencyBins];
    // (1/3) v² Δω · 3ω²/(2π²v³) k_B: the kernel C v² τ Δω / 3 without the Bose factor and τ.
    private static readonly double[] KernelPrefactor = new double[FrequencyBins];

    static ThinFilmSilicon()
    {
        const double v = SoundVelocity;
        for (var i = 0; i < FrequencyBins; i++)
        {
            var w = (i + 0.5) * DOmega;
            Omega[i] = w;
            OmegaSquared[i] = w * w;
            PointDefectRate[i] = PointDefectA * w * w * w * w;
            WavelengthNm[i] = 2.0 * Math.PI * v / w * 1e9;
            KernelPrefactor[i] = v * v * DOmega / 3.0 * (3.0 * w * w / (2.0 * Math.PI * Math.PI * v * v * v)) * PhysicalConstants.Boltzmann;
        }
    }

    /// <summary>Debye frequency ω_D = k_B θ_D/ħ, rad/s (8.45e13).</summary>
    public static double DebyeFrequency => DebyeTemperature / HbarOverBoltzmann;

    /// <summary>Phonon relaxation time τ(ω, T) in s, for ω in rad/s and T in K.</summary>
    public static double RelaxationTime(double omega, double temperatureK) =>
        1.0 / ((PointDefectA * omega * omega * omega * omega) + (UmklappB * omega * omega * temperatureK * Math.Exp(-UmklappC / temperatureK)));

    /// <summary>Bulk conductivity k(T), W/m/K, for T ≥ <see cref="MinimumTemperatureK"/>.</summary>
    /// <exception cref="InvalidInputException">T is not a positive number (field <c>temperature_K</c>).</exception>
    public static double BulkConductivity(double temperatureK) =>
        Conductivities(1.0, 0.0, temperatureK, FilmDirection.CrossPlane, specularity: null, tabulated: true).Bulk;

    /// <summary>
    /// Film conductivity, W/m/K, for thickness d &gt; 0 nm, RMS roughness η ≥ 0 nm, T ≥ <see cref="MinimumTemperatureK"/> and a direction.
    /// <paramref name="specularity"/>, when given (0…1), replaces p(λ) for every phonon (e.g. 0 for fully diffuse walls);
    /// it has no effect cross-plane, where the walls are diffuse.
    /// </summary>
    /// <exception cref="InvalidInputException">A value outside its domain; the field is the thin-film oracle's column name.</exception>
    public static double FilmConductivity(double thicknessNm, double roughnessNm, double temperatureK, FilmDirection direction, double? specularity = null) =>
        Conductivities(thicknessNm, roughnessNm, temperatureK, direction, specularity, tabulated: true).Film;

    /// <summary>
    /// Film and bulk conductivity at once (the integral over ω is shared). <paramref name="tabulated"/> = false evaluates
    /// every Fuchs–Sondheimer integral directly instead of through <see cref="FuchsSondheimerTable"/> (slow; for tests).
    /// </summary>
    internal static (double Film, double Bulk) Conductivities(
        double thicknessNm, double roughnessNm, double temperatureK, FilmDirection direction, double? specularity, bool tabulated)
    {
        var thickness = Require.Positive("thickness_nm", thicknessNm) * 1e-9;
        var roughness = Require.Finite("roughness_nm", roughnessNm);
        if (roughness < 0)
        {
            throw new InvalidInputException("roughness_nm", $"must be ≥ 0 (got {Require.Show(roughness)})");
        }
        var temperature = Require.Finite("temperature_K", temperatureK);
        if (temperature < MinimumTemperatureK)
        {
            throw new InvalidInputException("temperature_K",
                $"must be at least {Require.Show(MinimumTemperatureK)} K, where the Debye–Callaway bulk integral stops converging (got {Require.Show(temperature)})");
        }
        if (direction is not (FilmDirection.InPlane or FilmDirection.CrossPlane))
        {
            throw new InvalidInputException("direction", $"must be 0 (in-plane) or 1 (cross-plane) (got {(int)direction})");
        }
        if (specularity is { } forced && !(forced is >= 0.0 and <= 1.0))
        {
            throw new InvalidInputException("specularity", $"must be between 0 and 1 (got {Require.Show(forced)})");
        }

        var table = tabulated && direction == FilmDirection.InPlane ? FuchsSondheimerTable.Shared : null;
        var umklapp = UmklappB * temperature * Math.Exp(-UmklappC / temperature);
        var xPerOmega = HbarOverBoltzmann / temperature;
        double film = 0.0, bulk = 0.0;
        for (var i = 0; i < FrequencyBins; i++)
        {
            var half = 0.5 * xPerOmega * Omega[i];
            // x² eˣ/(eˣ − 1)² = (x/2 / sinh(x/2))²: sinh overflows to ∞ for x > 1420 and the factor correctly becomes 0.
            var bose = half < 1e-8 ? 1.0 : half / Math.Sinh(half);
            var tau = 1.0 / (PointDefectRate[i] + (umklapp * OmegaSquared[i]));
            var kernel = KernelPrefactor[i] * bose * bose * tau;
            bulk += kernel;
            var knudsen = SoundVelocity * tau / thickness;
            double suppression;
            if (direction == FilmDirection.CrossPlane)
            {
                suppression = Majumdar.CrossPlaneSuppression(knudsen);
            }
            else
            {
                var diffuse = specularity is { } p ? 1.0 - p : Specularity.DiffuseFraction(roughness, WavelengthNm[i]);
                var specular = specularity ?? (1.0 - diffuse);
                suppression = table is null
                    ? FuchsSondheimer.Suppression(knudsen, specular, diffuse)
                    : table.Suppression(knudsen, specular, diffuse);
            }
            film += kernel * suppression;
        }
        return (film, bulk);
    }
}
