using ClusterML.Core.Validation;

namespace ClusterML.Oracles;

/// <summary>
/// <c>slack</c>: lattice thermal conductivity κ_L of a crystal from the Slack formula in engineering units (Slack,
/// J. Phys. Chem. Solids 34, 321 (1973); form 1 of shared/notes/physics.md §4.2):
/// <code>κ = 3.1e-6 · M̄ · θ_D³ · δ / (γ² · n^{2/3} · T)   [W/m/K]</code>
/// with M̄ the mean atomic mass (amu), θ_D the Debye temperature (K), δ = (volume per atom in Å³)^{1/3} (Å), n the atoms per
/// primitive cell, γ the Grüneisen parameter and T the temperature (K). Order-of-magnitude (about a factor 2; γ enters
/// squared): silicon (28.0855 amu, 645 K, 20.02 Å³, n = 2, γ = 1.06) gives 118.6 W/m/K at 300 K against 148 measured.
/// Sampling: M̄ 10–200 amu and θ_D 100–1500 K log-uniform (they span more than a decade and enter as powers), volume 8–40 Å³,
/// γ 0.5–2.5 and T 100–1000 K uniform, n an integer 1–20. Domain: all positive, n a whole number ≥ 1.
/// </summary>
public sealed class SlackOracle : IPhysicsOracle
{
    /// <summary>The prefactor of the engineering form, W/m/K per (amu · K³ · Å / K).</summary>
    public const double Prefactor = 3.1e-6;

    public string Name => "slack";

    public string Description => "Lattice thermal conductivity of a crystal from the Slack formula (mass, Debye temperature, volume per atom, atoms per cell, Grüneisen γ, T).";

    public IReadOnlyList<OracleInput> Inputs { get; } =
    [
        new("mean_mass_amu", "amu", 10, 200, OracleSampling.LogUniform, "mean atomic mass M̄"),
        new("debye_K", "K", 100, 1500, OracleSampling.LogUniform, "Debye temperature θ_D"),
        new("volume_A3", "Å³", 8, 40, OracleSampling.Uniform, "volume per atom"),
        new("atoms_per_cell", "", 1, 20, OracleSampling.Choice, "atoms per primitive cell n"),
        new("gruneisen", "", 0.5, 2.5, OracleSampling.Uniform, "Grüneisen parameter γ"),
        new("temperature_K", "K", 100, 1000, OracleSampling.Uniform, "temperature"),
    ];

    public IReadOnlyList<string> Outputs { get; } = ["kappa_W_mK"];

    public double[] Sample(Random rng) => OracleRows.Sample(Inputs, rng);

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
