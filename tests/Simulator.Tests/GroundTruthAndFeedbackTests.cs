using Monitoring.Contracts;
using Monitoring.Simulator.Generation;

namespace Monitoring.Simulator.Tests;

/// <summary>Ground truth arrives for the stated fraction after a realistic delay; readers override mostly when the model is wrong.</summary>
public class GroundTruthAndFeedbackTests(NullSampleFixture fixture) : IClassFixture<NullSampleFixture>
{
    private readonly Sample _sample = fixture.Sample;

    [Fact]
    public void GivenInferencesWellBeforeTheEnd_WhenCountingTruth_ThenTheLabelledFractionIsTheModelsWithinThreeStandardErrors()
    {
        // Inferences older than the longest plausible delay (30 days would be needed for follow-up tails; use the first 10 days and count truth within the run).
        var end = _sample.Generator.Settings.End;
        var early = _sample.Inferences.Where(e => e.At < _sample.Generator.Settings.Start + TimeSpan.FromDays(10)).ToArray();
        var labelled = _sample.Truths.Select(t => t.Message.InferenceId).ToHashSet();
        var fraction = early.Count(e => labelled.Contains(e.Message.InferenceId)) / (double)early.Length;
        var expected = ModelCatalog.CxrTriage.GroundTruthFraction;
        var se = Math.Sqrt(expected * (1 - expected) / early.Length);

        // Follow-up truth (median 96 h, σ 0.6) can fall after the end for a handful of early cases: allow that sliver.
        Assert.InRange(fraction, expected - 3 * se - 0.002, expected + 3 * se);
        Assert.True(_sample.Truths.All(t => t.At < end));
        Assert.Equal(_sample.Inferences.Count(e => e.Truth.WillBeLabelled), _sample.Truths.Count + _sample.Generator.Statistics.GroundTruthAfterEnd);
    }

    [Fact]
    public void GivenTruthDelays_WhenSummarised_ThenMediansMatchTheSourcesAndNoneIsImmediate()
    {
        var occurred = _sample.Inferences.ToDictionary(e => e.Message.InferenceId, e => e.At);
        var early = _sample.Truths.Where(t => t.OccurredAt < _sample.Generator.Settings.Start + TimeSpan.FromDays(8)).ToArray();
        double MedianHours(string source)
        {
            var delays = early.Where(t => t.Message.Source == source).Select(t => (t.At - occurred[t.Message.InferenceId]).TotalHours).Order().ToArray();
            return delays[delays.Length / 2];
        }

        Assert.InRange(MedianHours("radiology-report"), 8 * 0.9, 8 * 1.1);
        Assert.InRange(MedianHours("follow-up"), 96 * 0.85, 96 * 1.15);
        Assert.All(_sample.Truths, t => Assert.True(t.At - t.OccurredAt >= TimeSpan.FromMinutes(15)));
        var shares = _sample.Truths.GroupBy(t => t.Message.Source).ToDictionary(g => g.Key, g => g.Count() / (double)_sample.Truths.Count);
        Assert.InRange(shares["radiology-report"], 0.8, 0.9);
    }

    [Fact]
    public void GivenTruthEvents_WhenComparedWithHiddenTruth_ThenLabelsAreExactlyThePositives()
    {
        var byId = _sample.Inferences.ToDictionary(e => e.Message.InferenceId);
        Assert.All(_sample.Truths, t =>
        {
            var inference = byId[t.Message.InferenceId];
            var positives = ModelCatalog.CxrTriage.Labels.Where((_, j) => inference.Truth.Positive[j]).Select(l => l.Name);
            Assert.Equal(positives, t.Message.Labels);
        });
    }

    [Fact]
    public void GivenReaderFeedback_WhenSplitByModelCorrectness_ThenOverridesFollowTheStatedRates()
    {
        var byId = _sample.Inferences.ToDictionary(e => e.Message.InferenceId);
        var reviewed = _sample.Feedback.Where(f => f.Message.Action != ReaderAction.NotReviewed).ToArray();
        bool Correct(ReaderFeedbackEvent f)
        {
            var e = byId[f.Message.InferenceId];
            var truth = ModelCatalog.CxrTriage.Labels.Where((_, j) => e.Truth.Positive[j]).Select(l => l.Name);
            return e.Message.Prediction.PredictedLabels.SequenceEqual(truth);
        }

        double OverrideRate(IEnumerable<ReaderFeedbackEvent> f)
        {
            var list = f.ToArray();
            return list.Count(x => x.Message.Action == ReaderAction.Overrode) / (double)list.Length;
        }

        Assert.Equal(GenerationDefaults.OverrideWhenCorrect, OverrideRate(reviewed.Where(Correct)), 0.01);
        Assert.Equal(GenerationDefaults.OverrideWhenWrong, OverrideRate(reviewed.Where(f => !Correct(f))), 0.02);
        Assert.Equal(GenerationDefaults.FeedbackFraction, (_sample.Feedback.Count + _sample.Generator.Statistics.ReaderFeedbackAfterEnd) / (double)_sample.Inferences.Count, 0.01);
        Assert.Equal(GenerationDefaults.NotReviewedFraction, _sample.Feedback.Count(f => f.Message.Action == ReaderAction.NotReviewed) / (double)_sample.Feedback.Count, 0.01);
    }

    [Fact]
    public void GivenHourlyVolume_WhenComparingDayAndNightAndWeekend_ThenTrafficIsDiurnal()
    {
        var byHour = _sample.Inferences.GroupBy(e => e.At.Hour).ToDictionary(g => g.Key, g => g.Count());
        Assert.True(byHour[10] > 3 * byHour[3], $"10:00 {byHour[10]} vs 03:00 {byHour[3]}");
        var weekday = _sample.Inferences.Count(e => e.At.DayOfWeek == DayOfWeek.Wednesday);
        var sunday = _sample.Inferences.Count(e => e.At.DayOfWeek == DayOfWeek.Sunday);
        Assert.InRange(sunday / (double)weekday, 0.6, 0.8); // stated weekend factor 0.7
    }

    [Theory]
    [InlineData("latency")]
    [InlineData("meanIntensity")]
    [InlineData("noiseLevel")]
    public void GivenNullScenario_WhenComparingNightWithDayAndFirstWithLastWeek_ThenDistributionsAgree(string signal)
    {
        // The null scenario must be stationary: no diurnal or slow change a windowed detector could mistake for drift.
        double Value(InferenceEvent e) => signal == "latency" ? Math.Log(e.Message.LatencyMs) : e.Message.Features[signal];
        void Same(IEnumerable<InferenceEvent> a, IEnumerable<InferenceEvent> b, string what)
        {
            var x = a.Select(Value).ToArray();
            var y = b.Select(Value).ToArray();
            double Var(double[] v) => v.Sum(t => (t - v.Average()) * (t - v.Average())) / (v.Length - 1);
            var se = Math.Sqrt(Var(x) / x.Length + Var(y) / y.Length);
            Assert.True(Math.Abs(x.Average() - y.Average()) < 4 * se, $"{signal} {what}: {x.Average():0.#####} vs {y.Average():0.#####} (4 SE {4 * se:0.#####})");
        }

        var start = _sample.Generator.Settings.Start;
        var end = _sample.Generator.Settings.End;
        Same(_sample.Inferences.Where(e => e.At.Hour < 6), _sample.Inferences.Where(e => e.At.Hour is >= 9 and < 17), "night vs day");
        Same(_sample.Inferences.Where(e => e.At < start.AddDays(7)), _sample.Inferences.Where(e => e.At >= end.AddDays(-7)), "first vs last week");
    }
}
