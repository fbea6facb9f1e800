using System.Text.RegularExpressions;

namespace Monitoring.AlertRouter.Routing;

/// <summary>Matcher operator, as in Alertmanager: <c>=</c>, <c>!=</c>, <c>=~</c>, <c>!~</c>.</summary>
public enum MatchOp { Equal, NotEqual, Regex, NotRegex }

/// <summary>One label matcher such as <c>severity="critical"</c> or <c>site=~"a|b"</c>. Regexes are fully anchored.</summary>
public sealed record Matcher(string Name, MatchOp Op, string Value)
{
    private Regex? regex;

    /// <summary>True when the labels satisfy the matcher (a missing label is the empty string, as in Alertmanager).</summary>
    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        var actual = labels.TryGetValue(Name, out var v) ? v : "";
        return Op switch
        {
            MatchOp.Equal => actual == Value,
            MatchOp.NotEqual => actual != Value,
            MatchOp.Regex => Compiled().IsMatch(actual),
            MatchOp.NotRegex => !Compiled().IsMatch(actual),
            _ => false,
        };
    }

    private Regex Compiled() => regex ??= new Regex($"^(?:{Value})$", RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));

    /// <inheritdoc />
    public override string ToString() => $"{Name}{Op switch { MatchOp.Equal => "=", MatchOp.NotEqual => "!=", MatchOp.Regex => "=~", _ => "!~" }}\"{Value}\"";

    private static readonly Regex Syntax = new(
        """^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|([^"\s]*))\s*$""",
        RegexOptions.CultureInvariant);

    /// <summary>Parses <c>name op "value"</c> (quotes optional); returns null and a reason when it is not a matcher.</summary>
    public static Matcher? TryParse(string text, out string? error)
    {
        var m = Syntax.Match(text);
        if (!m.Success)
        {
            error = $"'{text}' is not a matcher: expected name=\"value\", name!=\"value\", name=~\"regex\" or name!~\"regex\"";
            return null;
        }

        var op = m.Groups[2].Value switch { "=" => MatchOp.Equal, "!=" => MatchOp.NotEqual, "=~" => MatchOp.Regex, _ => MatchOp.NotRegex };
        var value = m.Groups[3].Success ? Regex.Unescape(m.Groups[3].Value) : m.Groups[4].Value;
        if (op is MatchOp.Regex or MatchOp.NotRegex)
        {
            try
            {
                _ = new Regex(value, RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
            }
            catch (ArgumentException ex)
            {
                error = $"'{text}' has an invalid regular expression: {ex.Message}";
                return null;
            }
        }

        error = null;
        return new Matcher(m.Groups[1].Value, op, value);
    }

    /// <summary>True when every matcher matches.</summary>
    public static bool All(IReadOnlyList<Matcher> matchers, IReadOnlyDictionary<string, string> labels)
    {
        foreach (var matcher in matchers)
        {
            if (!matcher.Matches(labels))
            {
                return false;
            }
        }

        return true;
    }
}
