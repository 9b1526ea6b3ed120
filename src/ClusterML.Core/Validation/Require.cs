using System.Globalization;

namespace ClusterML.Core.Validation;

/// <summary>Boundary checks that throw <see cref="InvalidInputException"/>; NaN and infinities are always rejected.</summary>
public static class Require
{
    public static double Finite(string field, double value)
    {
        if (!double.IsFinite(value))
        {
            throw new InvalidInputException(field, $"must be a finite number (got {Show(value)})");
        }
        return value;
    }

    public static double Positive(string field, double value)
    {
        Finite(field, value);
        if (value <= 0)
        {
            throw new InvalidInputException(field, $"must be > 0 (got {Show(value)})");
        }
        return value;
    }

    public static int AtLeast(string field, int value, int minimum)
    {
        if (value < minimum)
        {
            throw new InvalidInputException(field, $"must be at least {minimum} (got {value})");
        }
        return value;
    }

    /// <summary>A setting given as text that must be a finite number.</summary>
    public static double Number(string field, string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)
            ? value : throw new InvalidInputException(field, $"'{text}' is not a number");

    /// <summary>A setting given as text that must be a whole number.</summary>
    public static int Integer(string field, string text) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value : throw new InvalidInputException(field, $"'{text}' is not an integer");

    /// <summary>Formats a number the way error messages show it: invariant culture, round-trippable.</summary>
    public static string Show(double value) => value.ToString("G6", CultureInfo.InvariantCulture);
}
