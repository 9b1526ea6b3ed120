using ClusterML.Core.Validation;
using ClusterML.Engines.Nep.Xyz;

namespace ClusterML.Engines.Nep.Tests.Xyz;

public sealed class ExtendedXyzStreamingTests
{
    private const int FrameCount = 20_000;

    [Fact]
    public void Frames_should_be_read_one_at_a_time_from_an_endless_text()
    {
        var reader = new EndlessFramesReader();

        var firstThree = ExtendedXyzReader.Read(reader, "endless.xyz").Take(3).ToList();

        Assert.Equal([0, 1, 2], firstThree.Select(f => f.Index));
        Assert.Equal([0.0, 1.0, 2.0], firstThree.Select(f => f.Energy!.Value));
        Assert.Equal(9, reader.LinesRead);
    }

    [Fact]
    public void A_file_of_twenty_thousand_frames_should_stream_and_count_completely()
    {
        var path = Path.Combine(Path.GetTempPath(), $"xyz-stream-{Guid.NewGuid():N}.xyz");
        try
        {
            Assert.Equal(FrameCount, ExtendedXyzWriter.WriteFile(path, GenerateFrames()));

            var firstThree = ExtendedXyzReader.Read(path).Take(3).ToList();
            Assert.Equal([0, 1, 2], firstThree.Select(f => f.Index));
            Assert.Equal([0.0, -1.0, -2.0], firstThree.Select(f => f.Energy!.Value));

            // The enumerator closed the file when Take(3) disposed it: exclusive access is possible.
            using (new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
            {
            }

            var count = 0;
            var lastIndex = -1;
            foreach (var frame in ExtendedXyzReader.Read(path))
            {
                count++;
                lastIndex = frame.Index;
            }

            Assert.Equal(FrameCount, count);
            Assert.Equal(FrameCount - 1, lastIndex);

            // A corrupt tail after 20 000 good frames does not stop the first frames from arriving, so the reader
            // cannot have looked at the end of the file before delivering them.
            File.AppendAllText(path, "not-a-count\n");
            Assert.Equal(3, ExtendedXyzReader.Read(path).Take(3).Count());
            var delivered = 0;
            var error = Assert.Throws<InvalidInputException>(() =>
            {
                foreach (var frame in ExtendedXyzReader.Read(path))
                {
                    delivered++;
                }
            });
            Assert.Equal(FrameCount, delivered);
            Assert.Equal((4 * FrameCount) + 1, error.Line);
            Assert.Equal("atom count", error.Field);
            Assert.Contains($"frame {FrameCount}", error.Problem, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static IEnumerable<XyzFrame> GenerateFrames()
    {
        for (var i = 0; i < FrameCount; i++)
        {
            double x = i % 97;
            yield return new XyzFrame(
                i,
                [4, 0, 0, 0, 4, 0, 0, 0, 4],
                ["Te", "Pb"],
                [0, 0, 0, x / 100, 2, 2],
                forces: [0.5, -0.5, 0, -0.5, 0.5, 0],
                energy: -i);
        }
    }

    /// <summary>Produces one-atom frames forever and counts the lines handed out.</summary>
    private sealed class EndlessFramesReader : TextReader
    {
        public int LinesRead { get; private set; }

        public override string? ReadLine()
        {
            var frame = LinesRead / 3;
            var line = (LinesRead % 3) switch
            {
                0 => "1",
                1 => $"lattice=\"3 0 0 0 3 0 0 0 3\" energy={frame} properties=species:S:1:pos:R:3",
                _ => "Si 0 0 0",
            };
            LinesRead++;
            return line;
        }
    }
}
