namespace ClusterML.Engines.Exec;

/// <summary>
/// An exec trial's program failed (non-zero exit, no metrics, unreadable metrics file). Not an input error: the campaign
/// retries it like any failed attempt. <see cref="ExitCode"/> is the program's exit status when it exited (on Unix 128 + the
/// signal number when a signal ended it).
/// </summary>
public sealed class ExecTrialException : Exception
{
    public ExecTrialException(string message, int? exitCode = null, Exception? inner = null)
        : base(message, inner)
    {
        ExitCode = exitCode;
    }

    public ExecTrialException()
    {
    }

    public ExecTrialException(string message)
        : base(message)
    {
    }

    public ExecTrialException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The program's exit status, when it exited.</summary>
    public int? ExitCode { get; }
}
