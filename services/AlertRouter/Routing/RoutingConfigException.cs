namespace Monitoring.AlertRouter.Routing;

/// <summary>A place in the routing file (1-based; column 0 when only the line is known).</summary>
public readonly record struct Position(int Line, int Column)
{
    /// <summary>A line without a column.</summary>
    public static implicit operator Position(int line) => new(line, 0);

    /// <inheritdoc />
    public override string ToString() => Column > 0 ? $"line {Line}, column {Column}" : $"line {Line}";
}

/// <summary>One reason a routing file is refused, and where.</summary>
public sealed record RoutingError(int Line, int Column, string Reason)
{
    /// <inheritdoc />
    public override string ToString() => $"{new Position(Line, Column)}: {Reason}";
}

/// <summary>
/// A routing file was refused. <see cref="Errors"/> lists every error found (one per receiver, route, schedule, policy
/// or rule that is wrong, and every missing environment variable), so the safety team fixes the file in one pass;
/// <see cref="Line"/> and <see cref="Reason"/> are the first of them.
/// </summary>
public sealed class RoutingConfigException : Exception
{
    /// <summary>One error at a place.</summary>
    public RoutingConfigException(Position at, string reason)
        : this([new RoutingError(at.Line, at.Column, reason)])
    {
    }

    /// <summary>Several errors (at least one), reported in file order.</summary>
    public RoutingConfigException(IReadOnlyList<RoutingError> errors)
        : base(string.Join("; ", errors.OrderBy(e => e.Line).ThenBy(e => e.Column)))
    {
        Errors = errors.OrderBy(e => e.Line).ThenBy(e => e.Column).ToList();
    }

    /// <summary>Every error, in file order.</summary>
    public IReadOnlyList<RoutingError> Errors { get; }

    /// <summary>1-based line of the first error.</summary>
    public int Line => Errors[0].Line;

    /// <summary>1-based column of the first error (0 when unknown).</summary>
    public int Column => Errors[0].Column;

    /// <summary>Why the file was refused (the first error; <see cref="Errors"/> has them all).</summary>
    public string Reason => Errors[0].Reason;
}

/// <summary>
/// Collects errors while a file is parsed: a failing part (one receiver, one route...) is recorded and parsing goes on
/// with the next, so every error is reported at once.
/// </summary>
internal sealed class ErrorCollector
{
    private readonly List<RoutingError> errors = [];

    public void Add(RoutingConfigException ex) => errors.AddRange(ex.Errors);

    public void Add(Position at, string reason) => errors.Add(new RoutingError(at.Line, at.Column, reason));

    /// <summary>Runs one part; its error is recorded instead of ending the parse.</summary>
    public T? Try<T>(Func<T?> part)
        where T : class
    {
        try
        {
            return part();
        }
        catch (RoutingConfigException ex)
        {
            Add(ex);
            return null;
        }
    }

    /// <summary>Runs one part; its error is recorded (and <paramref name="onError"/> run) instead of ending the parse.</summary>
    public void Run(Action part, Action? onError = null)
    {
        try
        {
            part();
        }
        catch (RoutingConfigException ex)
        {
            Add(ex);
            onError?.Invoke();
        }
    }

    /// <summary>Throws every error collected, if any.</summary>
    public void ThrowIfAny()
    {
        if (errors.Count > 0)
        {
            // A part checked twice (receivers are read once for themselves and once for their fallbacks) reports once.
            throw new RoutingConfigException(errors.Distinct().ToList());
        }
    }
}
