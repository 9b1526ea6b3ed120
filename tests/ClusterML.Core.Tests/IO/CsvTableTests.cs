using ClusterML.Core.IO;
using ClusterML.Core.Validation;

namespace ClusterML.Core.Tests.IO;

public sealed class CsvTableTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("clusterml-csv-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string text)
    {
        var path = Path.Combine(_folder, "data.csv");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Numbers_should_be_read_with_the_invariant_culture_and_lines_counted_from_the_header()
    {
        var table = CsvTable.Read(Write("a, b\n1.5,2e3\n\n-3,4\n"), "--data");
        Assert.Equal(["a", "b"], table.Columns);
        Assert.Equal([1.5, -3.0], table.Numeric("a"));
        Assert.Equal([2000.0, 4.0], table.Numeric("b"));
        Assert.Equal([2, 4], table.Lines);
    }

    [Fact]
    public void A_missing_column_should_name_the_column_and_list_the_ones_there_are()
    {
        var table = CsvTable.Read(Write("a,b\n1,2\n"), "--data");
        var error = Assert.Throws<InvalidInputException>(() => table.Numeric("k"));
        Assert.Equal("k", error.Field);
        Assert.EndsWith("data.csv:1: k: column is missing (columns: a, b)", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a,b\n1,2\n3,x\n", 3, "'x' is not a number")]
    [InlineData("a,b\n1,2\n3,NaN\n", 3, "'NaN' is not a finite number")]
    [InlineData("a,b\n1,2\n5,6\n3,\n", 4, "is empty")]
    public void A_bad_value_should_name_file_line_and_column(string text, int line, string problem)
    {
        var table = CsvTable.Read(Write(text), "--data");
        var error = Assert.Throws<InvalidInputException>(() => table.Numeric("b"));
        Assert.Equal(line, error.Line);
        Assert.Equal("b", error.Field);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.False(table.IsNumeric("b"));
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("a,b\n", "no data rows")]
    [InlineData("a,a\n1,2\n", "appears twice")]
    [InlineData("a,b\n1,2\n1,2,3\n", "has 3 fields but the header has 2")]
    public void A_malformed_file_should_be_refused(string text, string problem)
    {
        var error = Assert.Throws<InvalidInputException>(() => CsvTable.Read(Write(text), "--data"));
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_should_name_the_option() =>
        Assert.Equal("--data", Assert.Throws<InvalidInputException>(() => CsvTable.Read(Path.Combine(_folder, "none.csv"), "--data")).Field);

    [Fact]
    public void Written_tables_should_read_back_with_quoting_where_needed()
    {
        var path = Path.Combine(_folder, "out.csv");
        CsvTable.Write(path, ["name", "x"], [["a,b", CsvTable.Format(0.1)], ["plain", CsvTable.Format(1e-300)]]);
        var table = CsvTable.Read(path, "--out");
        Assert.Equal(["a,b", "plain"], table.Rows.Select(r => r[0]));
        Assert.Equal([0.1, 1e-300], table.Numeric("x"));
    }

    [Theory]
    [InlineData("1e30", true)]
    [InlineData("-1e30", true)]
    [InlineData("1.0000001e30", false)]
    [InlineData("1e308", false)]
    [InlineData("-1e31", false)]
    public void Values_beyond_the_magnitude_limit_should_be_refused_naming_line_and_column(string value, bool accepted)
    {
        var table = CsvTable.Read(Write($"a,b\n1,2\n3,{value}\n"), "--data");
        if (accepted)
        {
            Assert.Equal(double.Parse(value, System.Globalization.CultureInfo.InvariantCulture), table.Numeric("b")[1]);
            Assert.True(table.IsNumeric("b"));
            return;
        }
        var error = Assert.Throws<InvalidInputException>(() => table.Numeric("b"));
        Assert.Equal(("b", 3), (error.Field, error.Line));
        Assert.EndsWith($"data.csv:3: b: '{value}' is too large: values must lie within ±1e30 (column 2)", error.Message, StringComparison.Ordinal);
        Assert.False(table.IsNumeric("b"));
    }
}
