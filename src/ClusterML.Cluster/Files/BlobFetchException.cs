namespace ClusterML.Cluster.Files;

/// <summary>A blob could not be had from any node asked (missing everywhere, corrupt, or the transfer broke); the message says why for each.</summary>
public sealed class BlobFetchException(string message) : Exception(message);
