using System.Text.Json;

namespace Monitoring.Statistics.Tests.Performance;

/// <summary>Reads reference/performance_reference.json (written by performance_reference.py with scipy 1.10 / scikit-learn 1.2).</summary>
internal static class PerformanceReference
{
    private static readonly Lazy<JsonElement> Root = new(() =>
    {
        var path = Path.Combine(AppContext.BaseDirectory, "reference", "performance_reference.json");
        return JsonDocument.Parse(File.ReadAllText(path)).RootElement;
    });

    public static JsonElement Json => Root.Value;

    public static double[] Doubles(this JsonElement e) => e.EnumerateArray().Select(x => x.GetDouble()).ToArray();

    public static bool[] Bools(this JsonElement e) => e.EnumerateArray().Select(x => x.GetBoolean()).ToArray();

    public static string[] Strings(this JsonElement e) => e.EnumerateArray().Select(x => x.GetString()!).ToArray();

    public static double D(this JsonElement e, string name) => e.GetProperty(name).GetDouble();

    public static long L(this JsonElement e, string name) => e.GetProperty(name).GetInt64();

    public static JsonElement P(this JsonElement e, string name) => e.GetProperty(name);

    public static double[] CurrentScores => Json.P("data").P("current_scores").Doubles();

    public static bool[] CurrentLabels => Json.P("data").P("current_labels").Bools();

    public static double[] ReferenceScores => Json.P("data").P("reference_scores").Doubles();

    public static bool[] ReferenceLabels => Json.P("data").P("reference_labels").Bools();

    public static string[] CurrentGroups => Json.P("data").P("current_groups").Strings();
}

internal static class Close
{
    /// <summary>Relative tolerance for statistics (absolute near zero).</summary>
    public const double Statistic = 1e-9;

    /// <summary>Relative tolerance for p-values.</summary>
    public const double PValue = 1e-6;

    public static void Equal(double expected, double actual, double relative = Statistic, string? what = null)
    {
        var tolerance = relative * Math.Max(1e-3, Math.Abs(expected));
        Assert.True(Math.Abs(expected - actual) <= tolerance, $"{what}: expected {expected:R}, got {actual:R} (|diff| {Math.Abs(expected - actual):E2} > {tolerance:E2})");
    }

    public static void AllEqual(double[] expected, double[] actual, double relative = Statistic, string? what = null)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++) Equal(expected[i], actual[i], relative, $"{what}[{i}]");
    }
}
