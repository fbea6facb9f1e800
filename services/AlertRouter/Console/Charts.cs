using System.Globalization;
using System.Net;
using System.Text;

namespace Monitoring.AlertRouter.Console;

/// <summary>A point of a series over time.</summary>
public sealed record TimePoint(DateTimeOffset At, double Value);

/// <summary>A histogram bin: lower edge, upper edge, share of the sample (0..1).</summary>
public sealed record Bin(double Lower, double Upper, double Share);

/// <summary>One subgroup's metric with its interval; <see cref="Value"/> null when withheld or not estimable.</summary>
public sealed record SubgroupBar(string Label, double? Value, double? Lower, double? Upper, string State, string Size);

/// <summary>
/// Server-side SVG charts: small enough to write by hand (three shapes), no script, no CDN, readable without colour
/// (every chart has a title, a description, axis labels and text for its marks).
/// </summary>
public static class Charts
{
    private const int Width = 640;
    private const int Height = 240;
    private const int Left = 56, Right = 16, Top = 16, Bottom = 40;
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>
    /// The signal over time: a line of points, the band the reference allows (<paramref name="bandLow"/> to
    /// <paramref name="bandHigh"/>), and a vertical marker at the moment of detection.
    /// </summary>
    public static string SignalOverTime(string title, string yLabel, IReadOnlyList<TimePoint> points, double? bandLow, double? bandHigh, DateTimeOffset? detectedAt)
    {
        if (points.Count == 0)
        {
            return Empty(title, "No evaluations of this signal are recorded yet.");
        }

        var t0 = points.Min(p => p.At);
        var t1 = points.Max(p => p.At);
        if (detectedAt is { } d)
        {
            t0 = d < t0 ? d : t0;
            t1 = d > t1 ? d : t1;
        }

        if (t1 <= t0)
        {
            t1 = t0.AddHours(1);
        }

        var values = points.Select(p => p.Value).Concat(new[] { bandLow, bandHigh }.OfType<double>()).ToList();
        var (y0, y1) = Range(values.Min(), values.Max());
        double X(DateTimeOffset t) => Left + (t - t0).TotalSeconds / (t1 - t0).TotalSeconds * (Width - Left - Right);
        double Y(double v) => Top + (1 - (v - y0) / (y1 - y0)) * (Height - Top - Bottom);

        var svg = Open(title, $"{points.Count} evaluations from {t0:d MMM HH:mm} to {t1:d MMM HH:mm}", "signal-over-time");
        if (bandLow is not null || bandHigh is not null)
        {
            var hi = Y(Math.Min(bandHigh ?? y1, y1));
            var lo = Y(Math.Max(bandLow ?? y0, y0));
            svg.Append(Inv, $"<rect class=\"band\" x=\"{Left}\" y=\"{F(hi)}\" width=\"{Width - Left - Right}\" height=\"{F(Math.Max(0, lo - hi))}\" fill=\"#dbeafe\"><title>Reference band {Num(bandLow)} to {Num(bandHigh)}</title></rect>");
        }

        Axes(svg, yLabel, y0, y1, Y, t0.ToString("d MMM HH:mm", Inv), t1.ToString("d MMM HH:mm", Inv));
        var path = string.Join(" ", points.OrderBy(p => p.At).Select((p, i) => $"{(i == 0 ? 'M' : 'L')}{F(X(p.At))},{F(Y(p.Value))}"));
        svg.Append(Inv, $"<path class=\"series\" d=\"{path}\" fill=\"none\" stroke=\"#1d4ed8\" stroke-width=\"2\"/>");
        foreach (var p in points)
        {
            svg.Append(Inv, $"<circle class=\"point\" cx=\"{F(X(p.At))}\" cy=\"{F(Y(p.Value))}\" r=\"3.5\" fill=\"#1d4ed8\"><title>{p.At:d MMM HH:mm}: {Num(p.Value)}</title></circle>");
        }

        if (detectedAt is { } at)
        {
            var x = F(X(at));
            svg.Append(Inv, $"<line class=\"detection\" x1=\"{x}\" x2=\"{x}\" y1=\"{Top}\" y2=\"{Height - Bottom}\" stroke=\"#b91c1c\" stroke-width=\"2\" stroke-dasharray=\"6 3\"/>");
            svg.Append(Inv, $"<text x=\"{x}\" y=\"{Top + 10}\" fill=\"#b91c1c\" font-size=\"12\" text-anchor=\"end\" dx=\"-4\">detected {at:d MMM HH:mm}</text>");
        }

        return Close(svg);
    }

    /// <summary>Reference against current distribution: two histograms over the same bins.</summary>
    public static string Distributions(string title, string xLabel, IReadOnlyList<Bin> reference, IReadOnlyList<Bin> current)
    {
        if (reference.Count == 0 && current.Count == 0)
        {
            return Empty(title, "The detector did not return the distributions (small cells are withheld).");
        }

        var all = reference.Concat(current).ToList();
        var x0 = all.Min(b => b.Lower);
        var x1 = all.Max(b => b.Upper);
        if (x1 <= x0)
        {
            x1 = x0 + 1;
        }

        var ymax = Math.Max(0.01, all.Max(b => b.Share)) * 1.1;
        double X(double v) => Left + (v - x0) / (x1 - x0) * (Width - Left - Right);
        double Y(double v) => Top + (1 - v / ymax) * (Height - Top - Bottom);
        var svg = Open(title, $"reference ({reference.Count} bins, blue outline) against current ({current.Count} bins, orange)", "distributions");
        Axes(svg, "share of studies", 0, ymax, Y, Num(x0), Num(x1), xLabel);
        foreach (var (bins, cls, fill, stroke) in new[] { (reference, "reference", "#bfdbfe", "#1d4ed8"), (current, "current", "#fdba74", "#c2410c") })
        {
            foreach (var b in bins)
            {
                var x = X(b.Lower);
                var w = Math.Max(1, X(b.Upper) - x - 1);
                svg.Append(Inv, $"<rect class=\"{cls}\" x=\"{F(x)}\" y=\"{F(Y(b.Share))}\" width=\"{F(w)}\" height=\"{F(Y(0) - Y(b.Share))}\" fill=\"{fill}\" fill-opacity=\"0.6\" stroke=\"{stroke}\"><title>{cls} {Num(b.Lower)}–{Num(b.Upper)}: {b.Share:P1}</title></rect>");
            }
        }

        svg.Append(Inv, $"<text x=\"{Width - Right}\" y=\"{Top + 10}\" text-anchor=\"end\" font-size=\"12\"><tspan fill=\"#1d4ed8\">■ reference</tspan> <tspan fill=\"#c2410c\">■ current</tspan></text>");
        return Close(svg);
    }

    /// <summary>Per-subgroup performance: a dot per subgroup with its interval bar, the floor as a vertical line; groups without a figure are marked.</summary>
    public static string SubgroupPerformance(string title, string metric, IReadOnlyList<SubgroupBar> bars, double? floor)
    {
        if (bars.Count == 0)
        {
            return Empty(title, "No subgroup performance is known yet (labels arrive later than images).");
        }

        const int row = 26;
        var height = Top + Bottom + row * bars.Count;
        const int labelWidth = 240;
        double X(double v) => labelWidth + v * (Width - labelWidth - Right - 150);
        var svg = Open(title, $"{metric} per subgroup with 95% intervals; floor {Num(floor)}", "subgroup-performance", height);
        for (var i = 0; i <= 4; i++)
        {
            var v = i / 4.0;
            svg.Append(Inv, $"<line x1=\"{F(X(v))}\" x2=\"{F(X(v))}\" y1=\"{Top}\" y2=\"{height - Bottom}\" stroke=\"#e5e7eb\"/><text class=\"axis-label\" x=\"{F(X(v))}\" y=\"{height - Bottom + 16}\" font-size=\"12\" text-anchor=\"middle\">{v:0.00}</text>");
        }

        svg.Append(Inv, $"<text class=\"axis-label\" x=\"{F(X(0.5))}\" y=\"{height - 6}\" font-size=\"12\" text-anchor=\"middle\">{Esc(metric)}</text>");
        if (floor is { } f)
        {
            svg.Append(Inv, $"<line class=\"floor\" x1=\"{F(X(f))}\" x2=\"{F(X(f))}\" y1=\"{Top}\" y2=\"{height - Bottom}\" stroke=\"#b91c1c\" stroke-width=\"2\" stroke-dasharray=\"4 3\"><title>floor {Num(f)}</title></line>");
        }

        for (var i = 0; i < bars.Count; i++)
        {
            var b = bars[i];
            var y = Top + row * i + row / 2;
            svg.Append(Inv, $"<text x=\"{labelWidth - 8}\" y=\"{y + 4}\" font-size=\"12\" text-anchor=\"end\">{Esc(b.Label)}</text>");
            if (b.Value is { } v)
            {
                var below = floor is { } fl && (b.Upper ?? v) < fl;
                var color = below ? "#b91c1c" : "#1d4ed8";
                if (b.Lower is { } lo && b.Upper is { } hi)
                {
                    svg.Append(Inv, $"<line class=\"interval\" x1=\"{F(X(lo))}\" x2=\"{F(X(hi))}\" y1=\"{y}\" y2=\"{y}\" stroke=\"{color}\" stroke-width=\"3\"/>");
                }

                svg.Append(Inv, $"<circle class=\"estimate\" cx=\"{F(X(v))}\" cy=\"{y}\" r=\"5\" fill=\"{color}\"><title>{Esc(b.Label)}: {Num(v)} [{Num(b.Lower)}, {Num(b.Upper)}], n={Esc(b.Size)}</title></circle>");
            }

            var note = b.State switch
            {
                "insufficient-evidence" => "insufficient evidence",
                "inconclusive" => "not demonstrated",
                "suppressed" => "withheld (n<k)",
                "detected" => "below floor",
                _ => "",
            };
            svg.Append(Inv, $"<text class=\"state {Esc(b.State)}\" x=\"{Width - Right}\" y=\"{y + 4}\" font-size=\"12\" text-anchor=\"end\">{Esc(note)} n={Esc(b.Size)}</text>");
        }

        return Close(svg);
    }

    private static StringBuilder Open(string title, string description, string cls, int height = Height)
    {
        var id = cls + "-" + Guid.NewGuid().ToString("N")[..6];
        var sb = new StringBuilder();
        sb.Append(Inv, $"<svg class=\"chart {cls}\" viewBox=\"0 0 {Width} {height}\" role=\"img\" aria-labelledby=\"{id}-t {id}-d\" xmlns=\"http://www.w3.org/2000/svg\" font-family=\"system-ui, sans-serif\">");
        sb.Append(Inv, $"<title id=\"{id}-t\">{Esc(title)}</title><desc id=\"{id}-d\">{Esc(description)}</desc>");
        return sb;
    }

    private static string Close(StringBuilder sb) => sb.Append("</svg>").ToString();

    private static string Empty(string title, string message)
    {
        var sb = Open(title, message, "empty", 60);
        sb.Append(Inv, $"<text x=\"{Left}\" y=\"34\" font-size=\"13\" fill=\"#374151\">{Esc(message)}</text>");
        return Close(sb);
    }

    private static void Axes(StringBuilder svg, string yLabel, double y0, double y1, Func<double, double> y, string xStart, string xEnd, string? xLabel = null)
    {
        svg.Append(Inv, $"<line x1=\"{Left}\" x2=\"{Left}\" y1=\"{Top}\" y2=\"{Height - Bottom}\" stroke=\"#374151\"/>");
        svg.Append(Inv, $"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{Height - Bottom}\" y2=\"{Height - Bottom}\" stroke=\"#374151\"/>");
        foreach (var v in new[] { y0, (y0 + y1) / 2, y1 })
        {
            svg.Append(Inv, $"<text class=\"axis-label\" x=\"{Left - 6}\" y=\"{F(y(v) + 4)}\" font-size=\"11\" text-anchor=\"end\">{Num(v)}</text>");
        }

        svg.Append(Inv, $"<text class=\"axis-label\" x=\"14\" y=\"{(Height - Bottom + Top) / 2}\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 14 {(Height - Bottom + Top) / 2})\">{Esc(yLabel)}</text>");
        svg.Append(Inv, $"<text class=\"axis-label\" x=\"{Left}\" y=\"{Height - Bottom + 16}\" font-size=\"11\">{Esc(xStart)}</text>");
        svg.Append(Inv, $"<text class=\"axis-label\" x=\"{Width - Right}\" y=\"{Height - Bottom + 16}\" font-size=\"11\" text-anchor=\"end\">{Esc(xEnd)}</text>");
        if (xLabel is not null)
        {
            svg.Append(Inv, $"<text class=\"axis-label\" x=\"{(Width + Left) / 2}\" y=\"{Height - 6}\" font-size=\"12\" text-anchor=\"middle\">{Esc(xLabel)}</text>");
        }
    }

    private static (double, double) Range(double min, double max)
    {
        if (max - min < 1e-9)
        {
            var pad = Math.Max(Math.Abs(min) * 0.1, 0.5);
            return (min - pad, max + pad);
        }

        var margin = (max - min) * 0.1;
        return (min - margin, max + margin);
    }

    private static string F(double v) => v.ToString("0.#", Inv);

    /// <summary>A number as people read it (4 significant digits), or an en dash.</summary>
    public static string Num(double? v) => v is { } x && double.IsFinite(x) ? x.ToString("G4", Inv) : "–";

    private static string Esc(string s) => WebUtility.HtmlEncode(s);
}
