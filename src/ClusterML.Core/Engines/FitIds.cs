namespace ClusterML.Core.Engines;

/// <summary>
/// Names of fits in the cluster's checkpoint store (<see cref="IFitCheckpoints"/>): a campaign trial's fit is
/// <c>CAMPAIGN.TRIAL</c> (<see cref="RunContext.FitId"/>), the same for every attempt. A trial may also keep or read entries
/// of its campaign under other names (<see cref="Sibling"/>): an active-learning oracle call keeps the frame it labelled, a
/// round reads its arm's previous committee. Trial ids and sibling names never contain a dot.
/// </summary>
public static class FitIds
{
    /// <summary>The fit of trial <paramref name="trialId"/> of campaign <paramref name="campaignId"/>.</summary>
    public static string Of(string campaignId, string trialId) => $"{campaignId}.{trialId}";

    /// <summary>The entry <paramref name="name"/> (a trial id or another dot-free name) of the campaign whose trial has fit <paramref name="fitId"/>.</summary>
    /// <exception cref="ArgumentException">A fit id that names no campaign, or a name with a dot.</exception>
    public static string Sibling(string fitId, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(fitId);
        ArgumentException.ThrowIfNullOrEmpty(name);
        var dot = fitId.LastIndexOf('.');
        if (dot <= 0 || name.Contains('.'))
        {
            throw new ArgumentException(dot <= 0 ? $"'{fitId}' is not a campaign trial's fit id" : $"'{name}' contains a dot", dot <= 0 ? nameof(fitId) : nameof(name));
        }
        return Of(fitId[..dot], name);
    }
}
