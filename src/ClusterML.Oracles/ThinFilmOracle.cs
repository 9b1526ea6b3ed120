using ClusterML.Core.Validation;

namespace ClusterML.Oracles;

/// <summary>
/// <c>thin-film</c>: lattice thermal conductivity of a silicon film from <see cref="ThinFilmSilicon"/> (Debye–Callaway bulk,
/// spectral Fuchs–Sondheimer in-plane with specularity p(λ) = exp(−16π²η²/λ²) — the Ziman/Kirchhoff form with π², as stated
/// by Maznev, PRB 91, 134306 (2015); the often-copied π³ variant was not chosen — and spectral Majumdar cross-plane).
/// Inputs: <c>thickness_nm</c> d (10–10 000 nm, log-uniform), <c>roughness_nm</c> RMS roughness η (0.1–2 nm, uniform),
/// <c>temperature_K</c> (100–800 K, uniform), <c>direction</c> (0 in-plane, 1 cross-plane, equally likely).
/// Outputs: <c>k_W_mK</c>, the film's conductivity, and <c>k_bulk_W_mK</c>, bulk silicon's at the same temperature (W/m/K).
/// The physical domain is wider than the sampling ranges: any d &gt; 0, η ≥ 0, T ≥ 10 K (<see cref="ThinFilmSilicon.MinimumTemperatureK"/>).
/// </summary>
public sealed class ThinFilmOracle : IPhysicsOracle
{
    public string Name => "thin-film";

    public string Description => "Silicon film lattice thermal conductivity: Debye–Callaway bulk, Fuchs–Sondheimer (in-plane) or Majumdar (cross-plane) boundary suppression per frequency.";

    public IReadOnlyList<OracleInput> Inputs { get; } =
    [
        new("thickness_nm", "nm", 10, 10_000, OracleSampling.LogUniform, "film thickness d"),
        new("roughness_nm", "nm", 0.1, 2, OracleSampling.Uniform, "RMS boundary roughness η"),
        new("temperature_K", "K", 100, 800, OracleSampling.Uniform, "temperature"),
        new("direction", "", 0, 1, OracleSampling.Choice, "heat flow: 0 = in-plane, 1 = cross-plane"),
    ];

    public IReadOnlyList<string> Outputs { get; } = ["k_W_mK", "k_bulk_W_mK"];

    public double[] Sample(Random rng) => OracleRows.Sample(Inputs, rng);

    public double[] Evaluate(ReadOnlySpan<double> inputs)
    {
        OracleRows.RequireLength(Inputs, inputs);
        var direction = OracleRows.RequireCode(Inputs[3], inputs[3]);
        var (film, bulk) = ThinFilmSilicon.Conductivities(inputs[0], inputs[1], inputs[2], (FilmDirection)direction, specularity: null, tabulated: true);
        return [film, bulk];
    }
}
