namespace ClusterML.Core.Validation;

/// <summary>
/// Bad input from a user: an option, a setting or a record in a file. The command line maps it to exit code 2.
/// The message names the field and, for file input, the file and 1-based line, so the user can fix it without guessing.
/// </summary>
public sealed class InvalidInputException : Exception
{
    public InvalidInputException(string field, string problem, string? file = null, int? line = null)
        : base(Format(field, problem, file, line))
    {
        Field = field;
        Problem = problem;
        File = file;
        Line = line;
    }

    /// <summary>The setting or column at fault, as the user wrote it (an option name such as <c>--alpha</c>, a key, a column).</summary>
    public string Field { get; }

    /// <summary>What is wrong with it, without the location.</summary>
    public string Problem { get; }

    /// <summary>The file the value came from, when it came from a file.</summary>
    public string? File { get; }

    /// <summary>The 1-based line in <see cref="File"/>, when known.</summary>
    public int? Line { get; }

    private static string Format(string field, string problem, string? file, int? line) =>
        (file, line) switch
        {
            (null, _) => $"{field}: {problem}",
            (_, null) => $"{file}: {field}: {problem}",
            _ => $"{file}:{line}: {field}: {problem}",
        };
}
