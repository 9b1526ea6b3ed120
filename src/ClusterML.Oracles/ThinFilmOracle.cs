using ClusterML.Core.Validation;

namespace ClusterML.Oracles;

/// <summary>
/// Lattice thermal conductivity of a silicon film (W/m/K): the <see cref="SiliconPhonons"/> spectrum, each mode suppressed by
/// the film's boundaries, in-plane by <see cref="FuchsSondheimer"/> with the mode's specularity p(λ) = exp(−16π²η²/λ²)
/// (<see cref="Specularity"/>, λ = 2πv/ω), cross-plane by <see cref="Majumdar"/> (grey formula applied per mode, boundaries
/// fully diffuse). Inputs: thickness 10 nm–10 µm (log-uniform), roughness η 0.1–2 nm, T 100–800 K, direction 0 = in-plane,
/// 1 = cross-plane. Outputs: the film's k and the bulk k at the same T.
/// </summary>
public sealed class ThinFilmOracle : IPhysicsOracle
{
    private readonly SiliconPhonons _phonons = new();
    private readonly Lazy<FuchsSondheimerTable> _table = new(() => new FuchsSondheimerTable());

    public string Name => "thin-film";

    public string Description => "Silicon film lattice thermal conductivity (Debye–Callaway bulk, Fuchs–Sondheimer in-plane, Majumdar cross-plane).";

    public IReadOnlyList<OracleInput> Inputs { get; } =
    [
        new("thickness_nm", "nm", 10, 10_000, OracleSampling.LogUniform, "film thickness"),
        new("roughness_nm", "nm", 0.1, 2, OracleSampling.Uniform, "RMS boundary roughness η"),
        new("temperature_K", "K", 100, 800, OracleSampling.Uniform, "temperature"),
        new("direction", "", 0, 1, OracleSampling.Choice, "0 = in-plane, 1 = cross-plane"),
    ];

    public IReadOnlyList<string> Outputs { get; } = ["k_W_mK", "k_bulk_W_mK"];

    public double[] Sample(Random random) => Inputs.Select(i => i.Draw(random)).ToArray();

    public double[] Evaluate(ReadOnlySpan<double> inputs)
    {
        var thickness = Require.Positive("thickness_nm", inputs[0]);
        var roughness = Require.Finite("roughness_nm", inputs[1]);
        if (roughness < 0)
        {
            throw new InvalidInputException("roughness_nm", $"must be ≥ 0 (got {Require.Show(roughness)})");
        }
        var temperature = Require.Positive("temperature_K", inputs[2]);
        var direction = inputs[3];
        if (direction is not (0 or 1))
        {
            throw new InvalidInputException("direction", $"must be 0 (in-plane) or 1 (cross-plane) (got {Require.Show(direction)})");
        }
        var (film, bulk) = Conductivity(thickness * 1e-9, roughness * 1e-9, temperature, crossPlane: direction == 1);
        return [film, bulk];
    }

    /// <summary>
    /// Film and bulk conductivity (W/m/K) for thickness and roughness in metres; <paramref name="forcedSpecularity"/> replaces
    /// p(λ) by a constant (e.g. 0 for fully diffuse boundaries).
    /// </summary>
    public (double Film, double Bulk) Conductivity(double thickness, double roughness, double temperature, bool crossPlane, double? forcedSpecularity = null)
    {
        var bins = SiliconPhonons.Bins;
        Span<double> kernel = new double[bins];
        Span<double> meanFreePath = new double[bins];
        _phonons.Spectrum(temperature, kernel, meanFreePath);
        var omega = _phonons.Omega;
        double film = 0, bulk = 0;
        for (var i = 0; i < bins; i++)
        {
            var knudsen = meanFreePath[i] / thickness;
            double suppression;
            if (crossPlane)
            {
                suppression = Majumdar.CrossPlaneSuppression(knudsen);
            }
            else
            {
                var wavelength = 2 * Math.PI * SiliconPhonons.SoundVelocity / omega[i];
                var p = forcedSpecularity ?? Specularity.Ziman(roughness, wavelength);
                suppression = _table.Value.Suppression(knudsen, p);
            }
            film += kernel[i] * suppression;
            bulk += kernel[i];
        }
        return (film * _phonons.DOmega, bulk * _phonons.DOmega);
    }
}
