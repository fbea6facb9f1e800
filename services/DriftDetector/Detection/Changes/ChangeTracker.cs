using System.Security.Cryptography;
using System.Text;
using Monitoring.Contracts;
using Monitoring.DriftDetector.Findings;

namespace Monitoring.DriftDetector.Detection.Changes;

/// <summary>A root-cause group: the findings one change explains (state, serialized with the deployment).</summary>
internal sealed class ChangeState
{
    public string Id { get; set; } = "";
    public DateTimeOffset Start { get; set; }
    public DateTimeOffset LastDetectedAt { get; set; }
    public string TriggerSignal { get; set; } = "";
    public int Root { get; set; }
    public int Revision { get; set; }
    public List<ChangeMemberState> Members { get; set; } = [];
}

/// <summary>One finding of a change.</summary>
internal sealed class ChangeMemberState
{
    public string FindingId { get; set; } = "";
    public FindingKind Kind { get; set; }
    public string Signal { get; set; } = "";
    public string Scope { get; set; } = "";
    public Severity Severity { get; set; }
    public double Effect { get; set; }
    public long Events { get; set; }
    public bool Open { get; set; } = true;

    /// <summary><c>attribute=value</c> of a subgroup value absent from the reference (the finding names a new group).</summary>
    public string? NewGroup { get; set; }

    /// <summary>Affected events counted by the finding (category hits), to tell whether a narrower scope holds them all.</summary>
    public double Hits { get; set; }

    /// <summary>Reference size of the member's scope (a narrower scope that holds all of a new group's events shows its share scaled by the size ratio).</summary>
    public long Size { get; set; }

    /// <summary>The scope this member names as a cause: its scope, narrowed to the new group when it found one.</summary>
    public string Cause => NewGroup is null ? Scope : Scope is "*" or "" ? NewGroup : Scope + "&" + NewGroup;
}

/// <summary>What a finding brings to the root-cause grouping.</summary>
internal readonly record struct ChangeCandidate(
    string FindingId, FindingKind Kind, string Signal, string Scope, Severity Severity, double Effect, long Events, DateTimeOffset Start, DateTimeOffset DetectedAt,
    string? NewGroup = null, double Hits = 0, long Size = 0);

/// <summary>
/// Root-cause grouping (pure decisions over <see cref="DeploymentState.Changes"/>). A new finding joins an open change of its
/// deployment when its scope can share events with a member's (no attribute with two different values) and its estimated
/// start lies within <see cref="Horizon"/> of the change's; otherwise it opens a new change. The root is the scope that
/// explains the change best on the signal that triggered it: the largest effect, where a narrower scope must beat a wider
/// one containing it by <see cref="NarrowerFactor"/> (a random part of the affected events shows the same effect as the whole;
/// the intersection that holds all of them shows a larger effect than a wider scope that dilutes it). Everything else is a
/// consequence.
/// </summary>
internal sealed class ChangeTracker(DeploymentState state, List<object> emitted)
{
    public static readonly TimeSpan Horizon = TimeSpan.FromDays(1);
    public const double NarrowerFactor = 1.3;

    /// <summary>Attaches a finding about to open; returns its change id and whether it is the root now. Emit the finding first, then <see cref="Flush"/>.</summary>
    public (string ChangeId, bool IsRoot) Attach(in ChangeCandidate f, long sequence)
    {
        var member = new ChangeMemberState
        {
            FindingId = f.FindingId, Kind = f.Kind, Signal = f.Signal, Scope = f.Scope, Severity = f.Severity, Effect = f.Effect, Events = f.Events,
            NewGroup = f.NewGroup, Hits = f.Hits, Size = f.Size,
        };
        var start = f.Start;
        // Same change: it began while the change was unfolding (estimated start from a horizon before the change's start to a
        // horizon after its latest detection: a diluted consequence in a wide scope starts and alarms later) and it concerns the
        // same events through the same signal, or a scope nested with a member's.
        // An open change whose members include this scope or one nested with it takes it whenever it starts (a marginal signal
        // of the same change crossing later, or re-crossing after it resolved, is not a new change).
        var change = state.Changes.FirstOrDefault(c => start >= c.Start - Horizon && start <= c.LastDetectedAt + Horizon
            && c.Members.Any(m => Scopes.Overlap(m.Scope, member.Scope) && m.Signal == member.Signal))
            ?? state.Changes.FirstOrDefault(c => c.Members.Any(m => m.Open && Related(m.Scope, member.Scope)));
        if (change is null)
        {
            change = new ChangeState
            {
                Id = "chg-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{state.Key}|{f.FindingId}")))[..24],
                Start = start, LastDetectedAt = f.DetectedAt, TriggerSignal = f.Signal, Members = [member],
            };
            state.Changes.Add(change);
            pending.Add((change, true, f.DetectedAt, sequence));
            return (change.Id, true);
        }

        change.Members.Add(member);
        if (f.DetectedAt > change.LastDetectedAt) change.LastDetectedAt = f.DetectedAt;
        change.Root = ChooseRoot(change);
        change.Revision++;
        pending.Add((change, false, f.DetectedAt, sequence));
        return (change.Id, change.Members[change.Root] == member);
    }

    private readonly List<(ChangeState Change, bool Opened, DateTimeOffset At, long Sequence)> pending = [];

    /// <summary>Emits the change events decided since the last flush (after the findings they refer to).</summary>
    public void Flush()
    {
        foreach (var (c, opened, at, sequence) in pending)
        {
            var root = c.Members[c.Root];
            var members = Ordered(c);
            var (site, subgroup) = (Scopes.Site(root.Cause, state.Site), Scopes.Parts(root.Cause, state.Site));
            var severity = c.Members.Max(m => m.Severity);
            var summary = Summary(c, root);
            emitted.Add(opened
                ? new ChangeOpened(c.Id, state.Key, state.Model, site, root.Cause, subgroup, root.Kind, severity, summary, root.FindingId, members,
                    c.Start, root.Events, at, sequence)
                : new ChangeRevised(c.Id, c.Revision, severity, summary, root.FindingId, root.Cause, subgroup, members, root.Events, at, sequence));
        }

        pending.Clear();
    }

    /// <summary>A member resolved; the change closes when all have.</summary>
    public void Resolved(string findingId, DateTimeOffset at, long sequence)
    {
        foreach (var c in state.Changes)
        {
            var m = c.Members.FirstOrDefault(x => x.FindingId == findingId);
            if (m is null) continue;
            m.Open = false;
            if (c.Members.All(x => !x.Open))
            {
                emitted.Add(new ChangeClosed(c.Id, at, sequence));
                state.Changes.Remove(c);
            }

            return;
        }
    }

    private static bool Related(string a, string b) => a == b || Scopes.Narrower(a, b) || Scopes.Narrower(b, a);

    private static int ChooseRoot(ChangeState c)
    {
        // A subgroup value absent from the reference names the change itself (children at site-b, a new site): the widest scope
        // that saw it, unless a narrower one holds (nearly) all of its events.
        var groups = Enumerable.Range(0, c.Members.Count).Where(i => c.Members[i].NewGroup is not null).ToList();
        if (groups.Count > 0)
        {
            var group = c.Members[groups[0]].NewGroup;
            var same = groups.Where(i => c.Members[i].NewGroup == group)
                .OrderBy(i => Scopes.Parts(c.Members[i].Scope, null).Count).ThenBy(i => c.Members[i].Scope, StringComparer.Ordinal).ToList();
            // Events of the new group a scope holds ≈ its share × its size. The root is the most concentrated scope (highest share)
            // among those holding at least 80 % of what the widest scope holds: a random part of the wider scope holds only its
            // own fraction of them, the scope the group lives in holds them all.
            var widest = same[0];
            var all = c.Members[widest].Effect * Math.Max(1, c.Members[widest].Size);
            foreach (var i in same.Skip(1))
            {
                var (m, w) = (c.Members[i], c.Members[widest]);
                if (m.Effect * Math.Max(1, m.Size) >= 0.8 * all && m.Effect > NarrowerFactor * w.Effect) widest = i;
            }

            foreach (var i in same)
            {
                var (m, w) = (c.Members[i], c.Members[widest]);
                if (Scopes.Narrower(m.Scope, w.Scope) && m.Size == w.Size && Math.Abs(m.Effect - w.Effect) <= 1e-9) widest = i; // the same events
            }

            return widest;
        }

        var candidates = Enumerable.Range(0, c.Members.Count).Where(i => c.Members[i].Signal == c.TriggerSignal)
            .OrderBy(i => Scopes.Parts(c.Members[i].Scope, null).Count).ThenBy(i => c.Members[i].Scope, StringComparer.Ordinal).ToList();
        if (candidates.Count == 0) return c.Root;
        var best = candidates[0];
        foreach (var i in candidates.Skip(1))
        {
            double e = Math.Abs(c.Members[i].Effect), b = Math.Abs(c.Members[best].Effect);
            var needed = Scopes.Narrower(c.Members[i].Scope, c.Members[best].Scope) ? NarrowerFactor * b : b;
            if (e > needed) best = i;
        }

        // Scopes with identical evidence hold the same events (site-b has only SIEMENS scanners): name the narrowest of them.
        foreach (var i in candidates)
        {
            var (m, b) = (c.Members[i], c.Members[best]);
            if (m.Events == b.Events && Math.Abs(m.Effect - b.Effect) <= 1e-9 * Math.Max(1, Math.Abs(b.Effect)) && Scopes.Narrower(m.Scope, b.Scope)) best = i;
        }

        return best;
    }

    private List<ChangeMember> Ordered(ChangeState c) =>
        [.. new[] { c.Members[c.Root] }.Concat(c.Members.Where((_, i) => i != c.Root))
            .Select(m => new ChangeMember(m.FindingId, m.Kind, m.Signal, Scopes.Parts(m.Scope, state.Site), m.Severity))];

    private string Summary(ChangeState c, ChangeMemberState root)
    {
        var where = root.Cause is "*" or "" ? "the whole population" : root.Cause;
        var others = c.Members.Count - 1;
        return $"Root cause: {root.Signal} changed in {where} of {state.Model} since {c.Start:yyyy-MM-dd HH:mm}Z (effect {Detector.F(root.Effect)}, {root.Events} events)"
            + (others > 0 ? $"; {others} consequence{(others == 1 ? "" : "s")}: {string.Join(", ", c.Members.Where(m => m != root).Select(m => $"{m.Signal} in {m.Scope}").Distinct().Take(6))}." : ".");
    }
}
