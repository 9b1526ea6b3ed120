namespace ClusterML.Oracles;

/// <summary>
/// Silicon's lattice thermal conductivity in a Debye–Callaway kinetic model with one acoustic branch:
/// k = (1/3) ∫₀^{ω_D} C(ω) v² τ(ω) dω, C(ω) = 3ω²/(2π²v³) · k_B x² eˣ/(eˣ − 1)², x = ħω/(k_B T),
/// τ⁻¹ = Aω⁴ (isotopes) + Bω²T e^{−C/T} (Umklapp), with v = 6400 m/s, θ_D = 645 K, A = 1.32e-45 s³, C = 137.3 K (Mingo,
/// PRB 68, 113308 (2003)) and B = 2.77e-19 s/K refit so that k(300 K) = 148 W/m/K with this single Debye branch
/// (Mingo's 1.73e-19 gives 231 W/m/K here because he used the full dispersion). Midpoint rule over ω with
/// <see cref="Bins"/> bins. Values in SI: ω in rad/s, τ in s, mean free path in m, k in W/m/K.
/// </summary>
public sealed class SiliconPhonons
{
    public const double Hbar = 1.054571817e-34;
    public const double Boltzmann = 1.380649e-23;
    public const double SoundVelocity = 6400.0;
    public const double DebyeTemperature = 645.0;
    public const double IsotopeA = 1.32e-45;
    public const double UmklappB = 2.77e-19;
    public const double UmklappC = 137.3;
    public const int Bins = 2000;

    private readonly double[] _omega = new double[Bins];
    private readonly double _dOmega;

    public SiliconPhonons()
    {
        var debyeOmega = Boltzmann * DebyeTemperature / Hbar;
        _dOmega = debyeOmega / Bins;
        for (var i = 0; i < Bins; i++)
        {
            _omega[i] = (i + 0.5) * _dOmega;
        }
    }

    /// <summary>The frequency grid (rad/s) and its spacing.</summary>
    public ReadOnlySpan<double> Omega => _omega;

    public double DOmega => _dOmega;

    /// <summary>Spectral conductivity kernel (1/3) C v² τ at each grid frequency, W/m/K per rad/s, and the mean free paths v τ (m).</summary>
    public void Spectrum(double temperature, Span<double> kernel, Span<double> meanFreePath)
    {
        const double v = SoundVelocity;
        for (var i = 0; i < Bins; i++)
        {
            var w = _omega[i];
            var x = Hbar * w / (Boltzmann * temperature);
            // x² eˣ/(eˣ − 1)² written with e^{−x} so it cannot overflow for large x.
            var em = Math.Exp(-x);
            var occupation = x * x * em / ((1 - em) * (1 - em));
            var heatCapacity = 3.0 * w * w / (2.0 * Math.PI * Math.PI * v * v * v) * Boltzmann * occupation;
            var rate = (IsotopeA * w * w * w * w) + (UmklappB * w * w * temperature * Math.Exp(-UmklappC / temperature));
            var tau = 1.0 / rate;
            kernel[i] = heatCapacity * v * v * tau / 3.0;
            meanFreePath[i] = v * tau;
        }
    }

    /// <summary>Bulk conductivity (W/m/K) at <paramref name="temperature"/> (K).</summary>
    public double BulkConductivity(double temperature)
    {
        Span<double> kernel = new double[Bins];
        Span<double> mfp = new double[Bins];
        Spectrum(temperature, kernel, mfp);
        var sum = 0.0;
        foreach (var k in kernel)
        {
            sum += k;
        }
        return sum * _dOmega;
    }
}
