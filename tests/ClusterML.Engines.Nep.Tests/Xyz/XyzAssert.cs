using ClusterML.Engines.Nep.Xyz;

namespace ClusterML.Engines.Nep.Tests.Xyz;

/// <summary>Bit-exact comparisons of frames and helpers to read text.</summary>
internal static class XyzAssert
{
    public static List<XyzFrame> ReadText(string text, string fileName = "test.xyz") =>
        [.. ExtendedXyzReader.Read(new StringReader(text), fileName)];

    public static XyzFrame ReadSingle(string text) => Assert.Single(ReadText(text));

    public static string WriteText(IEnumerable<XyzFrame> frames)
    {
        var writer = new StringWriter();
        foreach (var frame in frames)
        {
            ExtendedXyzWriter.Write(writer, frame);
        }

        return writer.ToString();
    }

    public static void BitEqual(double[]? expected, double[]? actual)
    {
        if (expected is null)
        {
            Assert.Null(actual);
            return;
        }

        Assert.NotNull(actual);
        Assert.Equal(expected.Select(BitConverter.DoubleToInt64Bits), actual.Select(BitConverter.DoubleToInt64Bits));
    }

    public static void SameFrame(XyzFrame expected, XyzFrame actual)
    {
        Assert.Equal(expected.Index, actual.Index);
        BitEqual(expected.Cell, actual.Cell);
        Assert.Equal(expected.Species, actual.Species);
        BitEqual(expected.Positions, actual.Positions);
        BitEqual(expected.Forces, actual.Forces);
        Assert.Equal(expected.Energy.HasValue, actual.Energy.HasValue);
        if (expected.Energy is { } energy)
        {
            Assert.Equal(BitConverter.DoubleToInt64Bits(energy), BitConverter.DoubleToInt64Bits(actual.Energy!.Value));
        }

        BitEqual(expected.Virial, actual.Virial);
        Assert.Equal(BitConverter.DoubleToInt64Bits(expected.Weight), BitConverter.DoubleToInt64Bits(actual.Weight));
        Assert.Equal(expected.Extra.ToList(), actual.Extra.ToList());
    }
}
