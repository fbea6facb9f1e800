using System.Globalization;
using System.Text.Json;

namespace Monitoring.Ingest.Validation;

/// <summary>
/// What PostgreSQL's <c>jsonb</c> (and <c>text</c>) can store, checked at the door so that nothing is acknowledged that the
/// store would refuse later (a refused row used to be retried as if transient, holding its group commit hostage):
/// <list type="bullet">
/// <item>no U+0000: <c>jsonb</c> refuses the <c>\u0000</c> escape and <c>text</c> cannot hold NUL (22P05);</item>
/// <item>no unpaired UTF-16 surrogate escape (<c>"\ud800"</c>): not text at all, and <c>jsonb</c> refuses it (22P05 / 22021);</item>
/// <item>no other C0/C1 control character and no Unicode non-character (U+FFFE, U+FDD0…): PostgreSQL would store them, but no
/// code string, manufacturer or protocol name contains one, and they are a classic way to smuggle text past a reviewer;</item>
/// <item>numbers: finite in double precision (System.Text.Json reads <c>1e400</c> as infinity) and a non-zero literal that does
/// not underflow to zero (<c>1e-400</c> would be stored as <c>0</c>, a different value).</item>
/// </list>
/// </summary>
public static class Storable
{
    /// <summary>The string value of <paramref name="value"/>, or null with <paramref name="problem"/> saying why it cannot be stored.</summary>
    public static string? String(JsonElement value, out string? problem)
    {
        string text;
        try
        {
            text = value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            // System.Text.Json validates escapes only when the string is materialised.
            problem = "holds an unpaired UTF-16 surrogate escape (\\uD800-\\uDFFF without its pair), which is not text and cannot be stored";
            return null;
        }

        problem = TextProblem(text);
        return problem is null ? text : null;
    }

    /// <summary>The name of <paramref name="property"/>, or null when it holds an unpaired surrogate escape.</summary>
    public static string? Name(JsonProperty property)
    {
        try
        {
            return property.Name;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Why <paramref name="text"/> cannot be stored as sent, or null.</summary>
    public static string? TextProblem(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\0')
            {
                return $"contains U+0000 (NUL) at position {i}, which PostgreSQL cannot store";
            }

            if (c < 0x20 || c is >= '\u007f' and <= '\u009f')
            {
                return $"contains the control character U+{(int)c:X4} at position {i}";
            }

            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                var scalar = char.ConvertToUtf32(c, text[i + 1]);
                if ((scalar & 0xFFFE) == 0xFFFE)
                {
                    return $"contains the Unicode non-character U+{scalar:X} at position {i}";
                }

                i++;
                continue;
            }

            if (char.IsSurrogate(c))
            {
                return $"holds an unpaired UTF-16 surrogate U+{(int)c:X4} at position {i}, which is not text and cannot be stored";
            }

            if (c is >= '\uFDD0' and <= '\uFDEF' or '\uFFFE' or '\uFFFF')
            {
                return $"contains the Unicode non-character U+{(int)c:X4} at position {i}";
            }
        }

        return null;
    }

    /// <summary>True when the JSON number literal has a non-zero digit in its mantissa (so reading it as 0 lost it).</summary>
    public static bool IsNonZeroLiteral(JsonElement number)
    {
        var raw = number.GetRawText();
        foreach (var c in raw)
        {
            if (c is 'e' or 'E')
            {
                return false;
            }

            if (c is >= '1' and <= '9')
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Why a double read from <paramref name="value"/> is not the number that was sent, or null.</summary>
    public static string? DoubleProblem(JsonElement value, double number)
    {
        if (!double.IsFinite(number))
        {
            return $"must be a finite number within double precision (±{double.MaxValue.ToString(CultureInfo.InvariantCulture)})";
        }

        return number == 0 && IsNonZeroLiteral(value)
            ? $"'{Short(value.GetRawText())}' underflows double precision to 0 (smallest magnitude {double.Epsilon.ToString(CultureInfo.InvariantCulture)}); send 0 or a representable value"
            : null;
    }

    /// <summary>Why a single-precision component read from <paramref name="value"/> is not the number that was sent, or null.</summary>
    public static string? SingleProblem(JsonElement value, float number)
    {
        if (!float.IsFinite(number))
        {
            return $"must be a finite number within single precision (±{float.MaxValue.ToString(CultureInfo.InvariantCulture)})";
        }

        return number == 0 && IsNonZeroLiteral(value)
            ? $"'{Short(value.GetRawText())}' underflows single precision to 0 (smallest magnitude {float.Epsilon.ToString(CultureInfo.InvariantCulture)})"
            : null;
    }

    private static string Short(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
