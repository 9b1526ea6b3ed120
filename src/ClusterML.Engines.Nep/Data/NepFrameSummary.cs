namespace ClusterML.Engines.Nep.Data;

/// <summary>
/// What <see cref="NepFrameGenerator"/> wrote: the number of frames and atoms, the range of the model's energy per atom
/// (eV/atom) over the frames and the largest force magnitude on any atom (eV/Å).
/// </summary>
public sealed record NepFrameSummary(int Frames, long Atoms, double MinEnergyPerAtom, double MaxEnergyPerAtom, double MaxForce);
