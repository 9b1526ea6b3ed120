namespace ClusterML.Cli;

/// <summary>The process exit codes every command uses (part of the command-line contract).</summary>
public static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Ok = 0;

    /// <summary>The command failed while running (I/O, a crash, cancellation).</summary>
    public const int Failure = 1;

    /// <summary>Bad input: an option, a file or a value in it; the message names which.</summary>
    public const int BadInput = 2;
}
