using System.Collections.Immutable;
using System.Globalization;

namespace ClusterML.Core.Campaigns;

/// <summary>
/// A setting's value in a campaign spec, typed the way the YAML wrote it: <see cref="Text"/>, a 64-bit whole number
/// (<see cref="Integer"/>), a finite double (<see cref="Real"/>), a <see cref="Boolean"/>, or a <see cref="List"/> of those.
/// <see cref="CampaignSpecReader"/> documents the typing rules. Immutable; equality is by value, lists included. The
/// hierarchy is closed: these five cases are all there are.
/// </summary>
public abstract record CampaignValue
{
    // Private: only the nested cases below can derive, so a switch over them is exhaustive.
    private CampaignValue()
    {
    }

    /// <summary>Text: quoted or block scalars, and plain scalars that are neither numbers nor booleans.</summary>
    public sealed record Text(string Value) : CampaignValue
    {
        public string Value { get; } = Value ?? throw new ArgumentNullException(nameof(Value));
    }

    /// <summary>A whole number written in decimal (or YAML's <c>0x</c>/<c>0o</c> forms).</summary>
    public sealed record Integer(long Value) : CampaignValue;

    /// <summary>A number with a fraction or an exponent (<c>0.5</c>, <c>1.0e-4</c>, <c>3e2</c>).</summary>
    public sealed record Real(double Value) : CampaignValue;

    /// <summary><c>true</c> or <c>false</c>.</summary>
    public sealed record Boolean(bool Value) : CampaignValue;

    /// <summary>A list of plain values (lists do not nest). Two lists are equal when their items are, in order.</summary>
    public sealed record List(ImmutableArray<CampaignValue> Items) : CampaignValue
    {
        public ImmutableArray<CampaignValue> Items { get; } = Items.IsDefault ? [] : Items;

        public bool Equals(List? other) => other is not null && Items.SequenceEqual(other.Items);

        public override int GetHashCode()
        {
            var hash = new HashCode();
            foreach (var item in Items)
            {
                hash.Add(item);
            }
            return hash.ToHashCode();
        }
    }

    /// <summary>The number held by an <see cref="Integer"/> or a <see cref="Real"/>; false (and NaN) for anything else.</summary>
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

    /// <summary>Invariant-culture text: numbers round-trippable, booleans <c>true</c>/<c>false</c>, lists comma-separated (no spaces).</summary>
    public sealed override string ToString() => this switch
    {
        Text t => t.Value,
        Integer i => i.Value.ToString(CultureInfo.InvariantCulture),
        Real r => r.Value.ToString("R", CultureInfo.InvariantCulture),
        Boolean b => b.Value ? "true" : "false",
        List l => string.Join(",", l.Items.Select(v => v.ToString())),
        _ => throw new InvalidOperationException("unreachable: the hierarchy is closed"),
    };

    /// <summary>Wraps a .NET value: string, int, long, float, double, bool, a campaign value, or a sequence of those (for tests and code-built specs).</summary>
    /// <exception cref="ArgumentException">The value has another type.</exception>
    public static CampaignValue From(object value) => value switch
    {
        null => throw new ArgumentNullException(nameof(value)),
        CampaignValue v => v,
        string s => new Text(s),
        int i => new Integer(i),
        long l => new Integer(l),
        float f => new Real(f),
        double d => new Real(d),
        bool b => new Boolean(b),
        System.Collections.IEnumerable e => new List([.. e.Cast<object>().Select(From)]),
        _ => throw new ArgumentException($"{value.GetType()} cannot be a campaign value", nameof(value)),
    };
}
