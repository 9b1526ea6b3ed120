using System.Net;

namespace ClusterML.Cli.Dashboard;

/// <summary>
/// How the dashboard serves: where the data directory is, the address and port it listens on (loopback unless
/// <see cref="Listen"/> is given), the access token, and whether actions (cancel, resume) are offered at all.
/// </summary>
internal sealed record DashboardOptions(string DataDir, int Port, string Token)
{
    /// <summary>The default port (Ray's dashboard uses the same one; users know to open it).</summary>
    public const int DefaultPort = 8265;

    /// <summary>Address to bind beyond loopback (<c>--listen 0.0.0.0</c>); null: 127.0.0.1 only, where reading needs no token.</summary>
    public IPAddress? Listen { get; init; }

    /// <summary>No cancel or resume: the page only shows (the actions are refused with 403 even with the token).</summary>
    public bool ReadOnly { get; init; }

    /// <summary>The shortest time between two reads of the results store for the same data (and between two change checks).</summary>
    public TimeSpan RefreshInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Whether every request needs the token (the page is reachable from other machines).</summary>
    public bool TokenForReading => Listen is not null && !IPAddress.IsLoopback(Listen);

    /// <summary>The address to print: what a browser on this machine (or, with <see cref="Listen"/>, another one) opens.</summary>
    public string Url(int port)
    {
        var host = Listen is null || Listen.Equals(IPAddress.Any) || Listen.Equals(IPAddress.IPv6Any) ? "127.0.0.1" : Listen.ToString();
        return $"http://{(host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host)}:{port}/";
    }
}

/// <summary>The outcome of an action asked for from the page: whether it was done, and what to tell the user.</summary>
internal sealed record ActionOutcome(bool Done, string Message);

/// <summary>
/// Cancel and resume, done by the process that hosts the dashboard: in the driving process directly, elsewhere through the
/// same commands a user would run (<c>clusterml campaign cancel|resume</c>).
/// </summary>
internal interface ICampaignActions
{
    Task<ActionOutcome> CancelAsync(string campaignId, CancellationToken cancellationToken);

    Task<ActionOutcome> ResumeAsync(string campaignId, CancellationToken cancellationToken);
}

/// <summary>The cluster this process is a member of (with <c>--seed-nodes</c>, or inside the driving process); null when it is none.</summary>
internal interface IClusterSource
{
    Task<ClusterView?> ViewAsync(CancellationToken cancellationToken);
}
