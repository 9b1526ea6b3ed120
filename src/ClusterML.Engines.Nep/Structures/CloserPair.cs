namespace ClusterML.Engines.Nep.Structures;

/// <summary>Two atoms (0-based indices, <see cref="I"/> ≤ <see cref="J"/>) found <see cref="Distance"/> Å apart, possibly through a periodic image.</summary>
public readonly record struct CloserPair(int I, int J, double Distance, bool Image);
