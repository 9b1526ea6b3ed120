namespace ClusterML.Storage;

/// <summary>
/// A store's server could not be reached (refused, timed out, no route): the message says which server and why, in one
/// line without credentials, for the command line to print as it is (exit 1).
/// </summary>
public sealed class StoreUnavailableException : Exception
{
    public StoreUnavailableException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
