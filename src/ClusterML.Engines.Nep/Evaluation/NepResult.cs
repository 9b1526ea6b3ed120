namespace ClusterML.Engines.Nep.Evaluation;

/// <summary>
/// What a NEP evaluation gives: total and per-atom energies (eV), forces (eV/Å, x0 y0 z0 x1 …), the cell virial (eV; xx xy xz
/// yx yy yz zx zy zz, positive under compression as in GPUMD), optionally per-atom virials (9 per atom, summing to the cell
/// virial) and the scaled descriptors (dim per atom, q·q_scaler as the network sees them).
/// </summary>
public sealed record NepResult(double Energy, double[] AtomEnergies, double[] Forces, double[] Virial, double[]? AtomVirials, double[]? Descriptors);
