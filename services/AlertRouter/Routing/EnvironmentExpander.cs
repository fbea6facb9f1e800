using System.Text.RegularExpressions;

namespace Monitoring.AlertRouter.Routing;

/// <summary>
/// Replaces <c>${NAME}</c> and <c>${NAME:-default}</c> in a routing file from the environment, line by line so line
/// numbers stay right. Comments are left as they are: a comment that mentions <c>${NAME}</c> documents the file and
/// must never make it fail. Every missing name is reported, each with its line and column.
/// </summary>
public static partial class EnvironmentExpander
{
    [GeneratedRegex(@"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}", RegexOptions.CultureInvariant)]
    private static partial Regex Variable();

    /// <summary>The names a file uses outside comments (for checking that a deployment supplies them).</summary>
    public static IReadOnlyList<(string Name, bool HasDefault)> Names(string text) =>
        text.Split('\n')
            .SelectMany(line => Variable().Matches(line[..CommentStart(line)]))
            .Select(m => (m.Groups[1].Value, m.Groups[2].Success))
            .Distinct()
            .ToList();

    /// <summary>Expands the file; throws <see cref="RoutingConfigException"/> naming every variable that is unset and has no default.</summary>
    public static string Expand(string text, Func<string, string?> environment)
    {
        var lines = text.Split('\n');
        var missing = new List<RoutingError>();
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var cut = CommentStart(line);
            var lineNo = i + 1;
            var code = Variable().Replace(line[..cut], m =>
            {
                var value = environment(m.Groups[1].Value);
                if (!string.IsNullOrEmpty(value))
                {
                    return value;
                }

                if (m.Groups[2].Success)
                {
                    return m.Groups[2].Value;
                }

                missing.Add(new RoutingError(lineNo, m.Index + 1,
                    $"environment variable {m.Groups[1].Value} is not set and has no default (${{{m.Groups[1].Value}:-default}})"));
                return m.Value;
            });
            lines[i] = code + line[cut..];
        }

        return missing.Count > 0 ? throw new RoutingConfigException(missing) : string.Join('\n', lines);
    }

    /// <summary>
    /// Where a YAML comment starts on the line (its length when there is none): a <c>#</c> at the start or after
    /// white space, outside quotes.
    /// </summary>
    internal static int CommentStart(string line)
    {
        char? quote = null;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quote is { } q)
            {
                if (c == q)
                {
                    quote = null;
                }
            }
            else if (c is '\'' or '"')
            {
                quote = c;
            }
            else if (c == '#' && (i == 0 || char.IsWhiteSpace(line[i - 1])))
            {
                return i;
            }
        }

        return line.Length;
    }
}
