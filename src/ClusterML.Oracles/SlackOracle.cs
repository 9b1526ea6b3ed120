using ClusterML.Core.Validation;

namespace ClusterML.Oracles;

/// <summary>
/// Lattice thermal conductivity from the Slack formula in engineering units (Slack, J. Phys. Chem. Solids 34, 321 (1973)):
/// κ = 3.1e-6 · M̄ · θ_D³ · δ / (γ² · n^{2/3} · T) W/m/K, with M̄ the mean atomic mass (amu), θ_D the Debye temperature (K),
/// δ = (volume per atom)^{1/3} (Å), n atoms per primitive cell, γ the Grüneisen parameter and T the temperature (K).
/// An order-of-magnitude model (about a factor 2; γ enters squared): silicon gives 118.6 W/m/K at 300 K against 148 measured.
/// </summary>
public sealed class SlackOracle : IPhysicsOracle
{
    public string Name => "slack";

    public string Description => "Lattice thermal conductivity of a crystal from the Slack formula.";

    public IReadOnlyList<OracleInput> Inputs { get; } =
    [
        new("mean_mass_amu", "amu", 10, 200, OracleSampling.LogUniform, "mean atomic mass"),
        new("debye_K", "K", 100, 1500, OracleSampling.LogUniform, "Debye temperature"),
        new("volume_A3", "Å³", 8, 40, OracleSampling.Uniform, "volume per atom"),
        new("atoms_per_cell", "", 1, 20, OracleSampling.Choice, "atoms per primitive cell"),
        new("gruneisen", "", 0.5, 2.5, OracleSampling.Uniform, "Grüneisen parameter γ"),
        new("temperature_K", "K", 100, 1000, OracleSampling.Uniform, "temperature"),
    ];

    public IReadOnlyList<string> Outputs { get; } = ["kappa_W_mK"];

    public double[] Sample(Random random) => Inputs.Select(i => i.Draw(random)).ToArray();

    public double[] Evaluate(ReadOnlySpan<double> inputs)
    {
        var mass = Require.Positive("mean_mass_amu", inputs[0]);
        var debye = Require.Positive("debye_K", inputs[1]);
        var volume = Require.Positive("volume_A3", inputs[2]);
        var atoms = Require.Positive("atoms_per_cell", inputs[3]);
        var gamma = Require.Positive("gruneisen", inputs[4]);
        var temperature = Require.Positive("temperature_K", inputs[5]);
        return [Conductivity(mass, debye, volume, atoms, gamma, temperature)];
    }

    /// <summary>κ in W/m/K (inputs in the units of the class summary).</summary>
    public static double Conductivity(double meanMass, double debye, double volumePerAtom, double atomsPerCell, double gruneisen, double temperature) =>
        3.1e-6 * meanMass * debye * debye * debye * Math.Cbrt(volumePerAtom)
        / (gruneisen * gruneisen * Math.Pow(atomsPerCell, 2.0 / 3.0) * temperature);
}
