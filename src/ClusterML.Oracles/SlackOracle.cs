using ClusterML.Core.Validation;

namespace ClusterML.Oracles;

/// <summary>
/// <c>slack</c>: lattice thermal conductivity κ_L of a crystal from the Slack formula in engineering units (Slack,
/// J. Phys. Chem. Solids 34, 321 (1973); form 1 of shared/notes/physics.md §4.2):
/// <code>κ = 3.1e-6 · M̄ · θ_D³ · δ / (γ² · n^{2/3} · T)   [W/m/K]</code>
/// with M̄ the mean atomic mass (amu), θ_D the Debye temperature (K), δ = (volume per atom in Å³)^{1/3} (Å), n the atoms per
/// primitive cell, γ the Grüneisen parameter and T the temperature (K). Order-of-magnitude (about a factor 2; γ enters
/// squared): silicon (28.0855 amu, 645 K, 20.02 Å³, n = 2, γ = 1.06) gives 118.6 W/m/K at 300 K against 148 measured.
/// <para>
/// Sampling keeps the inputs in combinations real crystals have (drawing them independently gave "crystals" such as a
/// 200 amu solid with θ_D = 1500 K and κ up to 2.7e4 W/m/K, ten times diamond). Each row is drawn as
/// <list type="number">
/// <item>M̄ 10–200 amu log-uniform (boron/carbon compounds to gold; enters as a power);</item>
/// <item>V/atom uniform in 5.5–40 Å³ (diamond 5.67, cBN 5.9 … alkali metals), further limited to densities
/// ρ = 1.66054·M̄/V between lithium's 0.53 and osmium's 22.6 g/cm³, so light atoms get small cells and heavy ones large;</item>
/// <item>a latent melting point T_m 300–4000 K log-uniform (gallium-like to diamond/tungsten) and a latent Lindemann constant
/// C 130–260 uniform, giving θ_D = C·√(T_m / (M̄·V^{2/3})) (Lindemann's melting rule). C measured from T_m, M̄, V and θ_D of
/// 28 crystals spans 131 (K) – 259 (Ge): alkali metals and halides 131–160, metals 160–225, oxides 160–200, covalent
/// semiconductors 210–260 (Si 226, diamond 218, GaAs 213, Cu 169, Pb 192, NaCl 149, MgO 161);</item>
/// <item>n an integer 1–20 and γ 0.7–2.5 uniform (the lowest acoustic Grüneisen parameters in Slack's compilations are
/// ≈ 0.7–0.75: diamond, BN, AlN, SiC);</item>
/// <item>T uniform between max(100 K, 0.13·θ_D) and min(1000 K, 0.8·T_m): the crystal is solid, and the formula's 1/T
/// (Umklapp-limited) law is not extrapolated far below θ_D, where κ is set by boundaries and isotopes instead (0.13·θ_D
/// is diamond at room temperature).</item>
/// </list>
/// A draw with θ_D outside 100–2300 K (Pb 105 … diamond 2230), an empty temperature interval or κ outside
/// 0.05–3000 W/m/K (below the lowest measured crystalline κ_L ≈ 0.1; isotopically pure diamond ≈ 3300 at 300 K) is
/// redrawn. About 2.4 % of draws are redrawn for θ_D or T; the κ band is only a safety net for the far corners (3 in 10⁶
/// draws): 100 000 rows (seed 14) span κ 0.065–2850 W/m/K, percentiles 1/50/99/99.9 = 0.23/4.7/194/603, where independent
/// draws reached 8e4. Rows are a deterministic function of the generator's state.
/// The declared <see cref="Inputs"/> ranges bound every sampled value; <see cref="Evaluate"/> is the plain formula for
/// any inputs in its domain: all positive, n a whole number ≥ 1.
/// </para>
/// </summary>
public sealed class SlackOracle : IPhysicsOracle
{
    /// <summary>The prefactor of the engineering form, W/m/K per (amu · K³ · Å / K).</summary>
    public const double Prefactor = 3.1e-6;

    public string Name => "slack";

    public string Description => "Lattice thermal conductivity of a crystal from the Slack formula (mass, Debye temperature, volume per atom, atoms per cell, Grüneisen γ, T).";

    /// <summary>amu/Å³ → g/cm³.</summary>
    private const double GramsPerCm3PerAmuPerA3 = 1.66053906660;

    /// <summary>Density bounds of the sampled solids, g/cm³: lithium (0.534) and osmium (22.59).</summary>
    public const double MinDensity = 0.53, MaxDensity = 22.6;

    /// <summary>Latent melting point range, K (log-uniform).</summary>
    public const double MinMelting = 300, MaxMelting = 4000;

    /// <summary>Range of the Lindemann constant C in θ_D = C·√(T_m/(M̄·V^{2/3})), K·amu^{1/2}·Å/K^{1/2} (uniform).</summary>
    public const double MinLindemann = 130, MaxLindemann = 260;

    /// <summary>Sampled temperatures stay at or below this fraction of the melting point.</summary>
    public const double MaxHomologousTemperature = 0.8;

    /// <summary>Sampled temperatures stay at or above this fraction of θ_D (diamond at 300 K is 0.13).</summary>
    public const double MinReducedTemperature = 0.13;

    /// <summary>Band of κ, W/m/K, that a sampled row must fall in (it is redrawn otherwise).</summary>
    public const double MinSampledKappa = 0.05, MaxSampledKappa = 3000;

    /// <summary>Redraws before the sampler gives up; about 2.4 % of draws are redrawn, so this is never reached in practice.</summary>
    private const int MaxAttempts = 10_000;

    public IReadOnlyList<OracleInput> Inputs { get; } =
    [
        new("mean_mass_amu", "amu", 10, 200, OracleSampling.LogUniform, "mean atomic mass M̄"),
        new("debye_K", "K", 100, 2300, OracleSampling.Correlated, "Debye temperature θ_D, from M̄, V and a melting point by Lindemann's rule"),
        new("volume_A3", "Å³", 5.5, 40, OracleSampling.Correlated, "volume per atom, uniform within the densities 0.53–22.6 g/cm³ for M̄"),
        new("atoms_per_cell", "", 1, 20, OracleSampling.Choice, "atoms per primitive cell n"),
        new("gruneisen", "", 0.7, 2.5, OracleSampling.Uniform, "Grüneisen parameter γ"),
        new("temperature_K", "K", 100, 1000, OracleSampling.Correlated, "temperature, 0.13·θ_D to 0.8·T_m"),
    ];

    public IReadOnlyList<string> Outputs { get; } = ["kappa_W_mK"];

    /// <summary>Draws one physically consistent row as described in the class summary.</summary>
    public double[] Sample(Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            if (TryDraw(rng) is { } row && Conductivity(row[0], row[1], row[2], row[3], row[4], row[5]) is >= MinSampledKappa and <= MaxSampledKappa)
            {
                return row;
            }
        }
        throw new InvalidOperationException($"no consistent slack row in {MaxAttempts} draws");
    }

    /// <summary>
    /// One draw of the correlated inputs before the κ band is applied, or null when θ_D falls outside its range or the
    /// temperature interval is empty (the caller redraws).
    /// </summary>
    internal double[]? TryDraw(Random rng)
    {
        var mass = Inputs[0].Draw(rng);
        var volumeColumn = Inputs[2];
        var lowVolume = Math.Max(volumeColumn.Min, GramsPerCm3PerAmuPerA3 * mass / MaxDensity);
        var highVolume = Math.Min(volumeColumn.Max, GramsPerCm3PerAmuPerA3 * mass / MinDensity);
        var volume = lowVolume + (rng.NextDouble() * (highVolume - lowVolume));
        var melting = Math.Exp(Math.Log(MinMelting) + (rng.NextDouble() * (Math.Log(MaxMelting) - Math.Log(MinMelting))));
        var lindemann = MinLindemann + (rng.NextDouble() * (MaxLindemann - MinLindemann));
        var debye = lindemann * Math.Sqrt(melting / (mass * Math.Cbrt(volume * volume)));
        var atoms = Inputs[3].Draw(rng);
        var gamma = Inputs[4].Draw(rng);
        var temperatureColumn = Inputs[5];
        var lowTemperature = Math.Max(temperatureColumn.Min, MinReducedTemperature * debye);
        var highTemperature = Math.Min(temperatureColumn.Max, MaxHomologousTemperature * melting);
        var temperature = lowTemperature + (rng.NextDouble() * (highTemperature - lowTemperature));
        var debyeColumn = Inputs[1];
        return debye < debyeColumn.Min || debye > debyeColumn.Max || lowTemperature >= highTemperature
            ? null
            : [mass, debye, volume, atoms, gamma, temperature];
    }

    public double[] Evaluate(ReadOnlySpan<double> inputs)
    {
        OracleRows.RequireLength(Inputs, inputs);
        return [Conductivity(inputs[0], inputs[1], inputs[2], inputs[3], inputs[4], inputs[5])];
    }

    /// <summary>κ_L in W/m/K, inputs in the units of the class summary.</summary>
    /// <exception cref="InvalidInputException">A value outside the domain; the field is the column name.</exception>
    public static double Conductivity(double meanMassAmu, double debyeK, double volumeA3, double atomsPerCell, double gruneisen, double temperatureK)
    {
        var mass = Require.Positive("mean_mass_amu", meanMassAmu);
        var debye = Require.Positive("debye_K", debyeK);
        var volume = Require.Positive("volume_A3", volumeA3);
        var atoms = OracleRows.RequireWhole("atoms_per_cell", atomsPerCell, 1);
        var gamma = Require.Positive("gruneisen", gruneisen);
        var temperature = Require.Positive("temperature_K", temperatureK);
        return Prefactor * mass * debye * debye * debye * Math.Cbrt(volume)
            / (gamma * gamma * Math.Cbrt(atoms * atoms) * temperature);
    }
}
