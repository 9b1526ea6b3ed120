namespace ClusterML.Engines.Nep.Active;

/// <summary>
/// What <see cref="TrustWindow.Select"/> chose: <paramref name="Selected"/> (frame indices, ascending) and, over the frames
/// that were not excluded, how many were <paramref name="Accurate"/> (max force deviation &lt; low), <paramref name="Candidates"/>
/// (in [low, high), before the limit) and <paramref name="Failed"/> (≥ high); <paramref name="Excluded"/> frames were skipped.
/// </summary>
public sealed record TrustWindowSelection(IReadOnlyList<int> Selected, int Accurate, int Candidates, int Failed, int Excluded);
