namespace ClusterML.Core.Engines;

/// <summary>Derives independent, reproducible seeds for sub-tasks (ensemble members, splits) from one user seed.</summary>
public static class Seeds
{
    /// <summary>A seed for stream <paramref name="stream"/> of <paramref name="seed"/> (SplitMix64 finaliser; non-negative).</summary>
    public static int Derive(int seed, int stream)
    {
        var z = ((ulong)(uint)seed << 32) | (uint)stream;
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (int)(z & 0x7FFFFFFF);
    }
}
