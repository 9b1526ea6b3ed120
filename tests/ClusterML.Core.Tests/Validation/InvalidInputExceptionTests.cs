using ClusterML.Core.Validation;

namespace ClusterML.Core.Tests.Validation;

public sealed class InvalidInputExceptionTests
{
    [Fact]
    public void Message_should_name_file_line_and_field_when_given()
    {
        var error = new InvalidInputException("energy", "is not a number", "train.xyz", 42);
        Assert.Equal("train.xyz:42: energy: is not a number", error.Message);
        Assert.Equal("--alpha: must be > 0", new InvalidInputException("--alpha", "must be > 0").Message);
        Assert.Equal("a.csv: T: missing", new InvalidInputException("T", "missing", "a.csv").Message);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    public void Positive_should_reject_non_positive_and_non_finite_values(double value)
    {
        var error = Assert.Throws<InvalidInputException>(() => Require.Positive("--alpha", value));
        Assert.Equal("--alpha", error.Field);
    }

    [Fact]
    public void Checks_should_return_good_values_unchanged()
    {
        Assert.Equal(0.25, Require.Positive("--r", 0.25));
        Assert.Equal(-3.0, Require.Finite("--left", -3.0));
        Assert.Equal(3, Require.AtLeast("--nx", 3, 3));
        Assert.Throws<InvalidInputException>(() => Require.AtLeast("--nx", 2, 3));
    }
}
