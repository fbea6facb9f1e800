using BenchmarkDotNet.Attributes;

namespace Monitoring.Statistics.Benchmarks.Performance;

/// <summary>Performance, calibration, CBPE and streaming kernels of libs/Statistics at 1k to 1M cases.</summary>
[Config(typeof(KernelBenchConfig))]
public class PerformanceBenchmarks
{
    private double[] _scores = [];
    private bool[] _labels = [];
    private double[] _calibrated = [];
    private double[] _stream = [];
    private double[] _referenceScores = [];
    private bool[] _referenceLabels = [];

    /// <summary>Number of cases (or stream observations).</summary>
    [Params(1_000, 10_000, 100_000, 1_000_000)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _scores = PerformanceBenchData.Scores(N);
        _labels = PerformanceBenchData.Labels(N, _scores);
        _stream = PerformanceBenchData.Stream(N);
        _referenceScores = _scores;
        _referenceLabels = _labels;
        _calibrated = IsotonicRegression.Fit(_scores, _labels).Predict(_scores);
    }

    [Benchmark]
    public ConfusionCounts Confusion() => Classification.Confusion(_scores, _labels, 0.5);

    [Benchmark]
    public AurocResult AurocDeLong() => Auroc.DeLong(_scores, _labels);

    [Benchmark]
    public double Brier() => Calibration.Brier(_scores, _labels);

    [Benchmark]
    public double LogLoss() => Calibration.LogLoss(_scores, _labels);

    [Benchmark]
    public double Ece() => Calibration.ExpectedCalibrationError(_scores, _labels);

    [Benchmark]
    public IsotonicRegression IsotonicFit() => IsotonicRegression.Fit(_referenceScores, _referenceLabels);

    [Benchmark]
    public CbpeResult Cbpe() => Statistics.Cbpe.Estimate(_scores, _calibrated, 0.5);

    [Benchmark]
    public long CusumUpdates()
    {
        var d = new Cusum(0, 1, 0.5, 5);
        foreach (var x in _stream) d.Add(x);
        return d.Alarms;
    }

    [Benchmark]
    public long PageHinkleyUpdates()
    {
        var d = new PageHinkley(0.5, 5);
        foreach (var x in _stream) d.Add(x);
        return d.Alarms;
    }

    [Benchmark]
    public long AdwinUpdates()
    {
        var d = new Adwin();
        foreach (var x in _stream) d.Add(x);
        return d.Detections;
    }

    [Benchmark]
    public double SketchInsert()
    {
        var s = new QuantileSketch(200, 1);
        s.AddRange(_stream);
        return s.Quantile(0.5);
    }
}
