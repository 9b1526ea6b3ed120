namespace ClusterML.Engines.Nep.Active;

/// <summary>How a round of <see cref="NepActiveLearning"/> picks the frames to label.</summary>
public enum NepActiveSelection
{
    /// <summary>A random subset of the unlabelled pool frames inside the committee's trust window (<see cref="TrustWindow"/>).</summary>
    Committee,

    /// <summary>A random subset of all unlabelled pool frames (the baseline active learning is compared with).</summary>
    Random,
}
