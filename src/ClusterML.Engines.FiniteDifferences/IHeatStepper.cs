namespace ClusterML.Engines.FiniteDifferences;

/// <summary>Advances a grid field of the heat equation in time. Implementations allocate nothing in <see cref="Advance"/>.</summary>
internal interface IHeatStepper
{
    /// <summary>The field after the steps taken so far, boundaries included.</summary>
    ReadOnlySpan<double> Current { get; }

    /// <summary>Takes <paramref name="steps"/> time steps.</summary>
    void Advance(long steps);
}
