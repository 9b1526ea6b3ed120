using System.Collections.Immutable;
using System.Globalization;

namespace ClusterML.Core.Campaigns;

/// <summary>A setting's value in a campaign spec, typed as YAML wrote it: text, integer, real, boolean or a list of those.</summary>
public abstract record CampaignValue
{
    public sealed record Text(string Value) : CampaignValue;

    public sealed record Integer(long Value) : CampaignValue;

    public sealed record Real(double Value) : CampaignValue;

    public sealed record Boolean(bool Value) : CampaignValue;

    public sealed record List(ImmutableArray<CampaignValue> Items) : CampaignValue;

    /// <summary>The number for <see cref="Integer"/> and <see cref="Real"/>.</summary>
    public bool TryGetDouble(out double value)
    {
        (var ok, value) = this switch
        {
            Integer i => (true, (double)i.Value),
            Real r => (true, r.Value),
            _ => (false, double.NaN),
        };
        return ok;
    }

    /// <summary>Invariant text: numbers round-trippable, booleans lower case, lists comma-separated.</summary>
    public sealed override string ToString() => this switch
    {
        Text t => t.Value,
        Integer i => i.Value.ToString(CultureInfo.InvariantCulture),
        Real r => r.Value.ToString("R", CultureInfo.InvariantCulture),
        Boolean b => b.Value ? "true" : "false",
        List l => string.Join(",", l.Items.Select(v => v.ToString())),
        _ => "",
    };

    /// <summary>Wraps a .NET value (string, int, long, double, bool, or a sequence of those).</summary>
    public static CampaignValue From(object value) => value switch
    {
        CampaignValue v => v,
        string s => new Text(s),
        int i => new Integer(i),
        long l => new Integer(l),
        double d => new Real(d),
        bool b => new Boolean(b),
        System.Collections.IEnumerable e => new List([.. e.Cast<object>().Select(From)]),
        _ => throw new ArgumentException($"{value.GetType()} cannot be a campaign value", nameof(value)),
    };
}
