namespace Monitoring.Statistics;

/// <summary>
/// Non-decreasing isotonic regression fitted by pool-adjacent-violators, predicting by linear interpolation between the fitted
/// points and clipping outside the fitted range, as scikit-learn's <c>IsotonicRegression(increasing=True, out_of_bounds="clip")</c>.
/// Fit: sort by x; pool observations whose x differ by less than 1e-15 from the first x of their group into one point with the
/// weighted mean of y (scikit-learn's <c>_make_unique</c>); then minimise Σ wⱼ(ŷⱼ − ȳⱼ)² subject to ŷ non-decreasing (PAVA:
/// merge adjacent blocks while a block's mean is ≥ the next one's, the merged value being the weighted mean).
/// Predict: x clipped to [x_min, x_max], then ŷ(x) = ŷⱼ + (x − xⱼ)(ŷⱼ₊₁ − ŷⱼ)/(xⱼ₊₁ − xⱼ) (numpy.interp).
/// References: M. Ayer et al. (1955), Ann. Math. Statist. 26:641–647; R. E. Barlow et al. (1972), Statistical Inference under
/// Order Restrictions; B. Zadrozny, C. Elkan (2002), "Transforming classifier scores into accurate multiclass probability
/// estimates", KDD (isotonic calibration).
/// </summary>
public sealed class IsotonicRegression
{
    private readonly double[] _x;
    private readonly double[] _y;

    private IsotonicRegression(double[] x, double[] y)
    {
        _x = x;
        _y = y;
    }

    /// <summary>Distinct x values of the fit, ascending.</summary>
    public IReadOnlyList<double> X => _x;

    /// <summary>Fitted non-decreasing values at <see cref="X"/>.</summary>
    public IReadOnlyList<double> Y => _y;

    /// <summary>Fits a calibration map from scores to P(label = true): y = 1 for positive labels, 0 otherwise.</summary>
    /// <param name="scores">Reference scores.</param>
    /// <param name="labels">Reference labels, same length.</param>
    public static IsotonicRegression Fit(ReadOnlySpan<double> scores, ReadOnlySpan<bool> labels)
    {
        PerfGuard.SameLength(scores, labels);
        var y = new double[labels.Length];
        for (var i = 0; i < y.Length; i++) y[i] = labels[i] ? 1 : 0;
        return Fit(scores, y);
    }

    /// <summary>Fits a non-decreasing function of x to y by weighted least squares (unit weights when none are given).</summary>
    /// <param name="x">Inputs (finite, at least one).</param>
    /// <param name="y">Targets (finite), same length.</param>
    /// <param name="weights">Optional positive weights, same length; empty span means all 1.</param>
    /// <exception cref="ArgumentException">Empty input, lengths differ, non-finite values or non-positive weights.</exception>
    public static IsotonicRegression Fit(ReadOnlySpan<double> x, ReadOnlySpan<double> y, ReadOnlySpan<double> weights = default)
    {
        Guard.Finite(x, nameof(x));
        Guard.Finite(y, nameof(y));
        if (x.Length != y.Length) throw new ArgumentException($"'x' has {x.Length} values but 'y' has {y.Length}.", nameof(y));
        if (!weights.IsEmpty)
        {
            if (weights.Length != x.Length) throw new ArgumentException($"'weights' has {weights.Length} values but 'x' has {x.Length}.", nameof(weights));
            for (var i = 0; i < weights.Length; i++)
            {
                if (!(weights[i] > 0) || !double.IsFinite(weights[i])) throw new ArgumentException($"'weights'[{i}] is {weights[i]}; weights must be positive and finite.", nameof(weights));
            }
        }

        var n = x.Length;
        var keys = x.ToArray();
        var sortedY = y.ToArray();
        double[]? sortedW = null;
        if (weights.IsEmpty)
        {
            Array.Sort(keys, sortedY);
        }
        else
        {
            var order = new int[n];
            for (var i = 0; i < n; i++) order[i] = i;
            Array.Sort(keys, order);
            sortedW = new double[n];
            for (var i = 0; i < n; i++)
            {
                sortedY[i] = y[order[i]];
                sortedW[i] = weights[order[i]];
            }
        }

        // Pool (near-)equal x into one point with the weighted mean of y, in place: point m is written at or before the
        // index being read, so keys/sortedY become the distinct x and their mean y; weights go to pooledW.
        var pooledW = new double[n];
        var m = 0;
        var currentX = keys[0];
        double sumWy = 0, sumW = 0;
        const double resolution = 1e-15;
        for (var j = 0; j < n; j++)
        {
            var w = sortedW is null ? 1.0 : sortedW[j];
            var xj = keys[j];
            var yj = sortedY[j];
            if (xj - currentX >= resolution)
            {
                keys[m] = currentX;
                sortedY[m] = sumWy / sumW;
                pooledW[m] = sumW;
                m++;
                currentX = xj;
                sumW = 0;
                sumWy = 0;
            }

            sumW += w;
            sumWy += w * yj;
        }

        keys[m] = currentX;
        sortedY[m] = sumWy / sumW;
        pooledW[m] = sumW;
        m++;

        // PAVA with a stack of blocks (value, weight, length), also in place: the stack top never passes the point being read.
        var blockLength = new int[m];
        var top = -1;
        for (var j = 0; j < m; j++)
        {
            var value = sortedY[j];
            var weight = pooledW[j];
            top++;
            sortedY[top] = value;
            pooledW[top] = weight;
            blockLength[top] = 1;
            while (top > 0 && sortedY[top - 1] >= sortedY[top])
            {
                var w = pooledW[top - 1] + pooledW[top];
                sortedY[top - 1] = (pooledW[top - 1] * sortedY[top - 1] + pooledW[top] * sortedY[top]) / w;
                pooledW[top - 1] = w;
                blockLength[top - 1] += blockLength[top];
                top--;
            }
        }

        var fitted = new double[m];
        var pos = 0;
        for (var b = 0; b <= top; b++)
        {
            for (var k = 0; k < blockLength[b]; k++) fitted[pos++] = sortedY[b];
        }

        return new IsotonicRegression(keys.AsSpan(0, m).ToArray(), fitted);
    }

    /// <summary>Predicts one value (clipped to the fitted range of x, then linearly interpolated).</summary>
    /// <exception cref="ArgumentException"><paramref name="x"/> is NaN or infinite.</exception>
    public double Predict(double x)
    {
        if (!double.IsFinite(x)) throw new ArgumentException($"'x' is {x}; it must be finite.", nameof(x));
        return Interpolate(x);
    }

    /// <summary>Predicts every value of <paramref name="x"/> into a new array.</summary>
    public double[] Predict(ReadOnlySpan<double> x)
    {
        var result = new double[x.Length];
        Predict(x, result);
        return result;
    }

    /// <summary>Predicts every value of <paramref name="x"/> into <paramref name="destination"/> (same length).</summary>
    public void Predict(ReadOnlySpan<double> x, Span<double> destination)
    {
        Guard.Finite(x, nameof(x), 0);
        if (destination.Length != x.Length) throw new ArgumentException($"'destination' has {destination.Length} slots but 'x' has {x.Length} values.", nameof(destination));
        for (var i = 0; i < x.Length; i++) destination[i] = Interpolate(x[i]);
    }

    private double Interpolate(double x)
    {
        if (x <= _x[0]) return _y[0];
        var last = _x.Length - 1;
        if (x >= _x[last]) return _y[last];
        var j = Array.BinarySearch(_x, x);
        if (j >= 0) return _y[j];
        j = ~j - 1; // _x[j] < x < _x[j + 1]
        var slope = (_y[j + 1] - _y[j]) / (_x[j + 1] - _x[j]);
        return slope * (x - _x[j]) + _y[j];
    }
}
