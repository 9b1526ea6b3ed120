namespace ClusterML.Cluster.Trials;

/// <summary>A mutable cell shared between the actor and its background run (read after the run ends, so no race matters).</summary>
internal sealed class StrongBox<T>(T value)
{
    public T Value { get; set; } = value;
}
