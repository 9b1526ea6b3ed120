using ClusterML.Core.Campaigns;

namespace ClusterML.Core.Tests.Campaigns;

public sealed class CampaignValueTests
{
    private static CampaignValue BaseValue(string yaml) =>
        CampaignSpecReader.Parse($"engine: fd\nbase:\n  v: {yaml}\nspace:\n  x: {{type: int, low: 1, high: 3}}\nsearch: {{kind: grid}}\n", "/v.yaml").Base["v"];

    [Theory]
    [InlineData("true", "Boolean", "true")]
    [InlineData("False", "Boolean", "false")]
    [InlineData("TRUE", "Boolean", "true")]
    [InlineData("42", "Integer", "42")]
    [InlineData("-7", "Integer", "-7")]
    [InlineData("+3", "Integer", "3")]
    [InlineData("0x1F", "Integer", "31")]
    [InlineData("0o17", "Integer", "15")]
    [InlineData("9223372036854775807", "Integer", "9223372036854775807")]
    [InlineData("0.5", "Real", "0.5")]
    [InlineData(".5", "Real", "0.5")]
    [InlineData("1e-3", "Real", "0.001")]
    [InlineData("1.0e-4", "Real", "0.0001")]
    [InlineData("-2.", "Real", "-2")]
    [InlineData("\"12\"", "Text", "12")]
    [InlineData("'true'", "Text", "true")]
    [InlineData("yes", "Text", "yes")]
    [InlineData("1_000", "Text", "1_000")]
    [InlineData("crank-nicolson", "Text", "crank-nicolson")]
    [InlineData("../../data/thin-film.csv", "Text", "../../data/thin-film.csv")]
    [InlineData("!!str 12", "Text", "12")]
    [InlineData("!!float 3", "Real", "3")]
    [InlineData("!!int \"12\"", "Integer", "12")]
    [InlineData("!!bool true", "Boolean", "true")]
    public void Plain_scalars_should_be_typed_by_yaml_core_schema_rules(string yaml, string type, string text)
    {
        var value = BaseValue(yaml);
        Assert.Equal(type, value.GetType().Name);
        Assert.Equal(text, value.ToString());
    }

    [Fact]
    public void Block_scalars_should_be_text_even_when_they_look_like_numbers()
    {
        var spec = CampaignSpecReader.Parse("engine: fd\nbase:\n  v: |-\n    12\nspace:\n  x: {type: int, low: 1, high: 3}\nsearch: {kind: grid}\n", "/v.yaml");
        Assert.Equal(new CampaignValue.Text("12"), spec.Base["v"]);
    }

    [Fact]
    public void Lists_should_keep_each_items_type_and_compare_by_value()
    {
        var value = BaseValue("[a, 2, 0.5, true, '3']");
        Assert.Equal(new CampaignValue.List([new CampaignValue.Text("a"), new CampaignValue.Integer(2), new CampaignValue.Real(0.5),
            new CampaignValue.Boolean(true), new CampaignValue.Text("3")]), value);
        Assert.Equal("a,2,0.5,true,3", value.ToString());
        Assert.Equal(CampaignValue.From(new object[] { "a", 2, 0.5, true, "3" }).GetHashCode(), value.GetHashCode());
        Assert.NotEqual(CampaignValue.From(new object[] { 2, "a", 0.5, true, "3" }), value);
        Assert.Equal(new CampaignValue.List([]), BaseValue("[]"));
    }

    [Fact]
    public void From_should_wrap_dotnet_values_with_the_matching_case()
    {
        Assert.Equal(new CampaignValue.Text("x"), CampaignValue.From("x"));
        Assert.Equal(new CampaignValue.Integer(3), CampaignValue.From(3));
        Assert.Equal(new CampaignValue.Integer(3), CampaignValue.From(3L));
        Assert.Equal(new CampaignValue.Real(2.5), CampaignValue.From(2.5));
        Assert.Equal(new CampaignValue.Boolean(true), CampaignValue.From(true));
        Assert.Equal(new CampaignValue.List([new CampaignValue.Integer(1), new CampaignValue.Integer(2)]), CampaignValue.From(new[] { 1, 2 }));
        Assert.Throws<ArgumentException>(() => CampaignValue.From(new object()));
        Assert.Throws<ArgumentNullException>(() => CampaignValue.From(null!));
    }

    [Fact]
    public void TryGetDouble_should_read_integers_and_reals_only()
    {
        Assert.True(new CampaignValue.Integer(-4).TryGetDouble(out var integer));
        Assert.Equal(-4.0, integer);
        Assert.True(new CampaignValue.Real(0.25).TryGetDouble(out var real));
        Assert.Equal(0.25, real);
        Assert.False(new CampaignValue.Text("0.25").TryGetDouble(out var text));
        Assert.True(double.IsNaN(text));
        Assert.False(new CampaignValue.Boolean(true).TryGetDouble(out _));
    }

    [Fact]
    public void ToString_should_round_trip_reals_in_invariant_form()
    {
        foreach (var x in new[] { 0.1, 1e-5, 123456.789, -2.5e300, 1.0 / 3 })
        {
            var text = new CampaignValue.Real(x).ToString();
            Assert.DoesNotContain(",", text, StringComparison.Ordinal);
            Assert.Equal(x, double.Parse(text, System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
