using System.Text.Json;

namespace Monitoring.Statistics.Tests.Distribution;

/// <summary>
/// Reference values written by reference/distribution_reference.py (scipy 1.10 / scikit-learn 1.2 on scikit-learn's
/// bundled data sets). Loaded once; the tests need no Python.
/// </summary>
internal static class DistributionReference
{
    private static readonly Lazy<JsonDocument> Document = new(() =>
        JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "reference", "distribution_reference.json"))));

    public static JsonElement Section(string name) => Document.Value.RootElement.GetProperty(name);

    public static JsonElement Case(string section, int index) => Section(section)[index];

    public static int Count(string section) => Section(section).GetArrayLength();

    public static TheoryData<int> Indices(string section)
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < Count(section); i++)
        {
            data.Add(i);
        }

        return data;
    }

    public static double[] Doubles(this JsonElement e, string property)
    {
        var array = e.GetProperty(property);
        var result = new double[array.GetArrayLength()];
        var i = 0;
        foreach (var v in array.EnumerateArray())
        {
            result[i++] = v.GetDouble();
        }

        return result;
    }

    public static long[] Longs(this JsonElement e, string property)
    {
        var array = e.GetProperty(property);
        var result = new long[array.GetArrayLength()];
        var i = 0;
        foreach (var v in array.EnumerateArray())
        {
            result[i++] = v.GetInt64();
        }

        return result;
    }

    public static double Number(this JsonElement e, string property)
    {
        var v = e.GetProperty(property);
        return v.ValueKind == JsonValueKind.String
            ? double.Parse(v.GetString()!, System.Globalization.CultureInfo.InvariantCulture)
            : v.GetDouble();
    }

    public static string Name(this JsonElement e) => e.GetProperty("name").GetString() ?? "";
}

/// <summary>Tolerance checks with the case name in the failure message.</summary>
internal static class Close
{
    /// <summary>Relative tolerance for statistics.</summary>
    public const double Statistic = 1e-9;

    /// <summary>Relative tolerance for p-values.</summary>
    public const double PValue = 1e-6;

    public static void Assert(double expected, double actual, double relative, string what)
    {
        var ok = expected == actual
            || (double.IsFinite(expected) && Math.Abs(actual - expected) <= relative * Math.Abs(expected) + 1e-300);
        Xunit.Assert.True(ok, $"{what}: expected {expected:R}, got {actual:R} (relative error {Math.Abs(actual - expected) / Math.Abs(expected):E2}, tolerance {relative:E0})");
    }
}
