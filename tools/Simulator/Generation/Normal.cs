namespace Monitoring.Simulator.Generation;

/// <summary>Standard normal distribution functions used to calibrate scores.</summary>
public static class Normal
{
    /// <summary>
    /// Φ(x), the standard normal CDF, by Hart's double-precision rational approximation
    /// (Hart 1968, algorithm 5666; as given by G. West, "Better approximations to cumulative normal functions", 2005).
    /// Absolute error below 1e-14.
    /// </summary>
    public static double Cdf(double x)
    {
        var z = Math.Abs(x);
        double tail;
        if (z > 37)
        {
            tail = 0;
        }
        else
        {
            var e = Math.Exp(-z * z / 2);
            if (z < 7.07106781186547)
            {
                var n = 3.52624965998911e-02 * z + 0.700383064443688;
                n = n * z + 6.37396220353165;
                n = n * z + 33.912866078383;
                n = n * z + 112.079291497871;
                n = n * z + 221.213596169931;
                n = n * z + 220.206867912376;
                var d = 8.83883476483184e-02 * z + 1.75566716318264;
                d = d * z + 16.064177579207;
                d = d * z + 86.7807322029461;
                d = d * z + 296.564248779674;
                d = d * z + 637.333633378831;
                d = d * z + 793.826512519948;
                d = d * z + 440.413735824752;
                tail = e * n / d;
            }
            else
            {
                var b = z + 0.65;
                b = z + 4 / b;
                b = z + 3 / b;
                b = z + 2 / b;
                b = z + 1 / b;
                tail = e / b / 2.506628274631;
            }
        }

        return x > 0 ? 1 - tail : tail;
    }

    /// <summary>
    /// Φ⁻¹(p), the standard normal quantile: Acklam's rational approximation (relative error 1.15e-9)
    /// refined by one Halley step against <see cref="Cdf"/>.
    /// </summary>
    public static double Quantile(double p)
    {
        if (p is <= 0 or >= 1 || double.IsNaN(p))
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "Probability must be in (0, 1).");
        }

        ReadOnlySpan<double> a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00];
        ReadOnlySpan<double> b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01];
        ReadOnlySpan<double> c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00];
        ReadOnlySpan<double> d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00];
        const double low = 0.02425;

        double x;
        if (p < low)
        {
            var q = Math.Sqrt(-2 * Math.Log(p));
            x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        }
        else if (p <= 1 - low)
        {
            var q = p - 0.5;
            var r = q * q;
            x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
        }
        else
        {
            var q = Math.Sqrt(-2 * Math.Log(1 - p));
            x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        }

        var err = Cdf(x) - p;
        var u = err * Math.Sqrt(2 * Math.PI) * Math.Exp(x * x / 2);
        return x - u / (1 + x * u / 2);
    }
}
