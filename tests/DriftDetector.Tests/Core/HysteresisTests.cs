using System.Text;
using Monitoring.Contracts;
using Monitoring.DriftDetector.Findings;
using Monitoring.DriftDetector.Tests.Synthetic;

namespace Monitoring.DriftDetector.Tests.Core;

/// <summary>
/// The finding lifecycle's hysteresis (thresholds.confirmAfter / resolveAfter) window by window. The stream's manufacturer mix
/// is changed (50/30/20 → 20/30/50) in the windows marked <c>D</c> and drawn from the reference in those marked <c>C</c>;
/// policies/hysteresis-policy.yaml makes the manufacturer window test the only thing that opens findings, so each closed
/// window is one lifecycle step. Each test first checks that every window's status is the intended one (detected / ok), then
/// the lifecycle string: <c>O</c> opened, <c>U</c> updated, <c>R</c> resolved, <c>-</c> nothing, one character a window.
/// </summary>
public sealed class HysteresisTests
{
    private const int Reference = 10_000;
    private const int Window = 2_000;

    [Trait("Mutation", "Slow")]
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void GivenConfirmAfterN_WhenDetectionStreaksAreInterruptedByOneClearWindow_ThenTheFindingOpensOnlyOnTheNthConsecutiveDetection(int n)
    {
        // Twice N-1 detections ended by a clear window (2N-2 detections in all, never N in a row), then N in a row.
        var interrupted = string.Concat(Enumerable.Repeat(new string('D', n - 1) + "C", 2));
        var pattern = interrupted + new string('D', n);

        var lifecycle = Run(pattern, confirmAfter: n, resolveAfter: 3);

        Assert.Equal(new string('-', pattern.Length - 1) + "O", lifecycle);
    }

    [Trait("Mutation", "Slow")]
    [Fact]
    public void GivenConfirmAfter3_WhenAFindingResolvesAndTheChangeReturns_ThenItNeedsThreeConsecutiveDetectionsAgain()
    {
        // Confirmed on the third consecutive detection, resolved on the third consecutive clear window, and a new finding
        // again only on the third detection of the next streak (the resolved finding's streak does not carry over).
        var lifecycle = Run("DDD" + "CCC" + "DDD", confirmAfter: 3, resolveAfter: 3);

        Assert.Equal("--O" + "--R" + "--O", lifecycle);
    }

    [Trait("Mutation", "Slow")]
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void GivenResolveAfterN_WhenClearStreaksAreInterruptedByADetection_ThenTheFindingResolvesExactlyOnTheNthConsecutiveClearWindow(int n)
    {
        // Opened, N-1 clear windows, a detection (the finding updates; the clear streak restarts), then N+1 clear windows:
        // resolved on the Nth of them, not the (N-1)th, not the (N+1)th.
        var pattern = "D" + new string('C', n - 1) + "D" + new string('C', n + 1);

        var lifecycle = Run(pattern, confirmAfter: 1, resolveAfter: n);

        Assert.Equal("O" + new string('-', n - 1) + "U" + new string('-', n - 1) + "R-", lifecycle);
    }

    /// <summary>Feeds the stream of <paramref name="pattern"/> and returns one lifecycle character per closed window.</summary>
    private static string Run(string pattern, int confirmAfter, int resolveAfter)
    {
        var policies = CoreHarness.TestPolicy(p =>
        {
            p.Thresholds.ConfirmAfter = confirmAfter;
            p.Thresholds.ResolveAfter = resolveAfter;
        }, "policies/hysteresis-policy.yaml");
        var h = new CoreHarness(policies);
        var stream = new SyntheticStream(31, InjectedChange.ManufacturerMix)
        {
            ChangedAt = i => i >= Reference && pattern[(i - Reference) / Window] == 'D',
            LabelledFraction = 0,
        };

        var statuses = new StringBuilder();
        var lifecycle = new StringBuilder();
        var findingIds = new HashSet<string>(StringComparer.Ordinal);
        var closed = 0;
        var emittedBefore = 0;
        foreach (var e in stream.Generate(Reference + pattern.Length * Window))
        {
            h.Feed([e]);
            var deployment = h.Detector.State.Deployments.Values.Single();
            if (deployment.ClosedWindows == closed) continue;
            closed = deployment.ClosedWindows;

            var status = deployment.Status.Values.Single(s => s.Signal == "study:manufacturer" && s.Scope == "*");
            statuses.Append(status.State switch { "detected" => 'D', "ok" => 'C', _ => '?' });
            var step = h.Emitted.Skip(emittedBefore).ToList();
            emittedBefore = h.Emitted.Count;
            foreach (var o in step.OfType<FindingOpened>().Where(o => o.Evidence.Signal == "study:manufacturer" && o.Scope == "*"))
            {
                findingIds.Add(o.FindingId);
            }

            var events = step.Select(x => x switch
            {
                FindingOpened o when findingIds.Contains(o.FindingId) => "O",
                FindingUpdated u when findingIds.Contains(u.FindingId) => "U",
                FindingResolved r when findingIds.Contains(r.FindingId) => "R",
                _ => "",
            });
            var joined = string.Concat(events);
            lifecycle.Append(joined.Length == 0 ? "-" : joined);
        }

        // The precondition of every assertion on the lifecycle: each window tested as intended (no inconclusive window).
        Assert.Equal(pattern, statuses.ToString());
        return lifecycle.ToString();
    }
}
