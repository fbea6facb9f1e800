namespace Monitoring.Statistics.Tests;

/// <summary>Asserts a refusal names its input, both as <see cref="ArgumentException.ParamName"/> and in its own words.</summary>
internal static class Refusal
{
    /// <summary>
    /// The action throws an <see cref="ArgumentException"/> (or subclass) for <paramref name="parameter"/> whose message, before the
    /// runtime's " (Parameter 'name')" suffix, is not empty and mentions <paramref name="mentions"/> (default: the parameter).
    /// </summary>
    public static ArgumentException Refused(string parameter, Action action, string? mentions = null)
    {
        var ex = Assert.ThrowsAny<ArgumentException>(action);
        Assert.Equal(parameter, ex.ParamName);
        // An emptied message still ends in " (Parameter 'name')": the text before it must be there.
        var own = ex.Message.Split(" (Parameter '")[0];
        Assert.False(string.IsNullOrWhiteSpace(own), ex.Message);
        Assert.Contains(mentions ?? parameter, own, StringComparison.Ordinal);
        return ex;
    }

    /// <inheritdoc cref="Refused(string, Action, string?)"/>
    public static ArgumentException Refused(string parameter, Func<object?> action, string? mentions = null) =>
        Refused(parameter, () => { _ = action(); }, mentions);
}
