using System.Text.Json;
using Monitoring.Ingest.Validation;

namespace Monitoring.Ingest.Tests.Unit;

/// <summary>What PostgreSQL can store, checked at the door: each refusal's exact message and the values just inside each bound.</summary>
public sealed class StorableTests
{
    [Theory]
    [InlineData("ok<0000>", "contains U+0000 (NUL) at position 2, which PostgreSQL cannot store")]
    [InlineData("a<001F>b", "contains the control character U+001F at position 1")]
    [InlineData("<0001>", "contains the control character U+0001 at position 0")]
    [InlineData("ab<007F>", "contains the control character U+007F at position 2")]
    [InlineData("<0080>", "contains the control character U+0080 at position 0")]
    [InlineData("x<009F>", "contains the control character U+009F at position 1")]
    [InlineData("a<D800>", "holds an unpaired UTF-16 surrogate U+D800 at position 1, which is not text and cannot be stored")]
    [InlineData("<D800>a", "holds an unpaired UTF-16 surrogate U+D800 at position 0, which is not text and cannot be stored")]
    [InlineData("ab<DC00>", "holds an unpaired UTF-16 surrogate U+DC00 at position 2, which is not text and cannot be stored")]
    [InlineData("a<D83F><DFFE>", "contains the Unicode non-character U+1FFFE at position 1")]
    [InlineData("<DBFF><DFFF>", "contains the Unicode non-character U+10FFFF at position 0")]
    [InlineData("a<D83D><DE00><D83F><DFFF>", "contains the Unicode non-character U+1FFFF at position 3")] // the pair before is skipped whole
    [InlineData("a<FDD0>", "contains the Unicode non-character U+FDD0 at position 1")]
    [InlineData("<FDEF>", "contains the Unicode non-character U+FDEF at position 0")]
    [InlineData("<FFFE>", "contains the Unicode non-character U+FFFE at position 0")]
    [InlineData("ab<FFFF>", "contains the Unicode non-character U+FFFF at position 2")]
    public void GivenTextPostgresCannotStoreOrThatNoFieldHolds_WhenChecked_ThenTheProblemAndItsPositionAreNamed(string text, string problem) =>
        Assert.Equal(problem, Storable.TextProblem(Decode(text)));

    [Theory]
    [InlineData("")]
    [InlineData(" ~")]
    [InlineData("<00A0>é")]
    [InlineData("<FDCF><FDF0><FFFD>")]
    [InlineData("<D83D><DE00>")]
    [InlineData("a<D83F><DFFD>b")]
    [InlineData("<DBFF><DFFD>")]
    public void GivenTextJustInsideEachBound_WhenChecked_ThenNoProblem(string text) =>
        Assert.Null(Storable.TextProblem(Decode(text)));

    [Fact]
    public void GivenAStringWithAnUnpairedSurrogateEscape_WhenRead_ThenItIsRefusedWithoutThrowing()
    {
        using var document = JsonDocument.Parse("""{"a":"x\ud800y","b":"ok","c":"n\u0000l","\udc00":1}""");
        var root = document.RootElement;
        var values = root.EnumerateObject().Select(p => p.Value).ToList(); // GetProperty would unescape the bad name

        Assert.Null(Storable.String(values[0], out var problem));
        Assert.Equal("holds an unpaired UTF-16 surrogate escape (\\uD800-\\uDFFF without its pair), which is not text and cannot be stored", problem);
        Assert.Equal("ok", Storable.String(values[1], out problem));
        Assert.Null(problem);
        Assert.Null(Storable.String(values[2], out problem));
        Assert.Equal("contains U+0000 (NUL) at position 1, which PostgreSQL cannot store", problem);
        var names = root.EnumerateObject().Select(Storable.Name).ToList();
        Assert.Equal(["a", "b", "c", null], names);
    }

    [Theory]
    [InlineData("0", false)]
    [InlineData("-0.000", false)]
    [InlineData("0e-400", false)]
    [InlineData("0.0E5", false)]
    [InlineData("0.001e-400", true)]
    [InlineData("9e-400", true)]
    [InlineData("-1", true)]
    [InlineData("0.5", true)]
    public void GivenANumberLiteral_WhenAskedWhetherItsMantissaIsNonZero_ThenOnlyDigitsBeforeTheExponentCount(string literal, bool nonZero)
    {
        using var document = JsonDocument.Parse(literal);
        Assert.Equal(nonZero, Storable.IsNonZeroLiteral(document.RootElement));
    }

    [Theory]
    [InlineData("1e400", "must be a finite number within double precision (±1.7976931348623157E+308)")]
    [InlineData("-1e400", "must be a finite number within double precision (±1.7976931348623157E+308)")]
    [InlineData("1e-400", "'1e-400' underflows double precision to 0 (smallest magnitude 5E-324); send 0 or a representable value")]
    [InlineData("0", null)]
    [InlineData("0e-400", null)]
    [InlineData("1.7976931348623157E+308", null)]
    [InlineData("5e-324", null)]
    public void GivenADoubleLiteral_WhenRead_ThenOnlyOverflowAndUnderflowAreProblems(string literal, string? problem)
    {
        using var document = JsonDocument.Parse(literal);
        var element = document.RootElement;
        Assert.True(element.TryGetDouble(out var number));
        Assert.Equal(problem, Storable.DoubleProblem(element, number));
    }

    [Theory]
    [InlineData(40, "")]
    [InlineData(41, "…")]
    public void GivenAnUnderflowingLiteralLongerThan40Characters_WhenReported_ThenItIsCutAt40(int length, string ellipsis)
    {
        var literal = "0." + new string('0', length - 8) + "1e-400"; // length characters in all
        Assert.Equal(length, literal.Length);
        using var document = JsonDocument.Parse(literal);

        Assert.Equal($"'{literal[..40]}{ellipsis}' underflows double precision to 0 (smallest magnitude 5E-324); send 0 or a representable value",
            Storable.DoubleProblem(document.RootElement, 0));
    }

    [Theory]
    [InlineData("1e39", "must be a finite number within single precision (±3.4028235E+38)")]
    [InlineData("-1e39", "must be a finite number within single precision (±3.4028235E+38)")]
    [InlineData("1e-50", "'1e-50' underflows single precision to 0 (smallest magnitude 1E-45)")]
    [InlineData("0.0", null)]
    [InlineData("3.4e38", null)]
    [InlineData("1.5e-45", null)]
    public void GivenAnEmbeddingComponent_WhenRead_ThenOnlyOverflowAndUnderflowOfSinglePrecisionAreProblems(string literal, string? problem)
    {
        using var document = JsonDocument.Parse(literal);
        var element = document.RootElement;
        Assert.True(element.TryGetSingle(out var number));
        Assert.Equal(problem, Storable.SingleProblem(element, number));
    }

    /// <summary>"&lt;D800&gt;" → U+D800: test data holds no raw control or lone surrogate character (test names must stay valid text).</summary>
    private static string Decode(string text) =>
        System.Text.RegularExpressions.Regex.Replace(text, "<([0-9A-F]{4})>", m => ((char)Convert.ToInt32(m.Groups[1].Value, 16)).ToString());
}
