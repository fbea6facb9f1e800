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

    /// <summary>When its last member resolved: the change closes after <see cref="ChangeTracker.Quiet"/> without a new member.</summary>
    public DateTimeOffset? QuietSince { get; set; }
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

    /// <summary>
    /// The scope this member names as a cause. A new site is a new place: its events are the affected ones, so the scope narrows
    /// to it (<c>site=site-e</c>). Any other new value (children, lateral films, a new vendor) is what changed in the member's
    /// scope — the place whose mix changed (site-b) — and is named in the summary, not in the scope.
    /// </summary>
    public string Cause => NewGroup is null || !NewGroup.StartsWith("site=", StringComparison.Ordinal) ? Scope
        : Scope is "*" or "" ? NewGroup : Scope + "&" + NewGroup;
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

    /// <summary>Share of a new group's events a scope must hold to be named its root.</summary>
    public const double HoldsAll = 0.95;

    /// <summary>Share of a wider scope's excess (effect × size) a narrower one must account for to replace it as the root.</summary>
    public const double HoldsExcess = 0.7;

    /// <summary>
    /// A change whose findings have all resolved stays open this long (event time) before it closes: a signal of the same change
    /// re-crossing its threshold in that time rejoins it instead of paging as a new change.
    /// </summary>
    public static readonly TimeSpan Quiet = TimeSpan.FromDays(2);

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
        // (While the change is open a diluted consequence in an overlapping scope may cross much later: it still joins.)
        var change = state.Changes.FirstOrDefault(c => start >= c.Start - Horizon && (start <= c.LastDetectedAt + Horizon || c.Members.Any(m => m.Open))
            && c.Members.Any(m => Scopes.Overlap(m.Scope, member.Scope) && SameSignal(m.Signal, member.Signal)))
            // Another signal of the same events that began with the change (a firmware update moves brightness and noise; a
            // slow drift crosses in one subgroup on one feature and in another on the next).
            ?? state.Changes.FirstOrDefault(c => start >= c.Start - Horizon && start <= c.Start + Horizon && c.Members.Any(m => m.Open && Scopes.Overlap(m.Scope, member.Scope)))
            ?? state.Changes.FirstOrDefault(c => c.Members.Any(m => m.Open && Related(m.Scope, member.Scope)))
            ?? state.Changes.FirstOrDefault(c => c.QuietSince is not null && c.Members.Any(m => Related(m.Scope, member.Scope) && m.Signal == member.Signal));
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
        change.QuietSince = null;
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

    /// <summary>A member resolved; once all have, the change waits <see cref="Quiet"/> before it closes (<see cref="Tick"/>).</summary>
    public void Resolved(string findingId, DateTimeOffset at, long sequence)
    {
        foreach (var c in state.Changes)
        {
            var m = c.Members.FirstOrDefault(x => x.FindingId == findingId);
            if (m is null) continue;
            m.Open = false;
            if (c.Members.All(x => !x.Open)) c.QuietSince = at;
            return;
        }
    }

    /// <summary>Closes the changes quiet for <see cref="Quiet"/> (called with every event's time).</summary>
    public void Tick(DateTimeOffset now, long sequence)
    {
        for (var i = state.Changes.Count - 1; i >= 0; i--)
        {
            var c = state.Changes[i];
            if (c.QuietSince is not { } since || now - since < Quiet) continue;
            emitted.Add(new ChangeClosed(c.Id, now, sequence));
            state.Changes.RemoveAt(i);
        }
    }

    /// <summary>
    /// The same signal, or a label's performance and the pooled one of the same metric (<c>performance:sensitivity:all-labels</c>
    /// holds every label's cases).
    /// </summary>
    internal static bool SameSignal(string a, string b)
    {
        if (a == b) return true;
        if (!a.StartsWith("performance:", StringComparison.Ordinal) || !b.StartsWith("performance:", StringComparison.Ordinal)) return false;
        var (ma, mb) = (a.Split(':'), b.Split(':'));
        return ma.Length == 3 && mb.Length == 3 && ma[1] == mb[1] && (ma[2] == "all-labels" || mb[2] == "all-labels");
    }

    /// <summary>The current effect of a member's monitor (the same moment for every member; a ramp inflates later detections), if known.</summary>
    public Func<string, string, double?>? CurrentEffect { get; set; }

    private double EffectOf(ChangeMemberState m) => CurrentEffect?.Invoke(m.Scope, m.Signal) ?? m.Effect;

    private static bool Related(string a, string b) => a == b || Scopes.Narrower(a, b) || Scopes.Narrower(b, a);

    private int ChooseRoot(ChangeState c)
    {
        // A subgroup value absent from the reference names the change itself (children at site-b, a new site). A new site
        // brings its own scanners and patients, so its group explains the new vendors that arrive with it.
        var groups = Enumerable.Range(0, c.Members.Count).Where(i => c.Members[i].NewGroup is not null).ToList();
        if (groups.Count > 0)
        {
            var group = groups.Select(i => c.Members[i].NewGroup!).OrderBy(g => g.StartsWith("site=", StringComparison.Ordinal) ? 0 : 1)
                .ThenBy(g => groups.First(i => c.Members[i].NewGroup == g)).First();
            var same = groups.Where(i => c.Members[i].NewGroup == group).ToList();
            // The narrowest scope among the members that holds (nearly) all the group's events, counted since it appeared in
            // every scope that saw it: a random part of a wider scope holds only its share of them, the scope the group lives
            // in holds them all.
            var counts = state.Monitors.NewGroupEvents.GetValueOrDefault(group);
            var all = counts?.Values.DefaultIfEmpty(0).Max() ?? 0;
            var root = same.OrderBy(i => Scopes.Parts(c.Members[i].Scope, null).Count).ThenBy(i => c.Members[i].Scope, StringComparer.Ordinal).First();
            foreach (var i in same)
            {
                var held = counts?.GetValueOrDefault(c.Members[i].Scope) ?? 0;
                var parts = Scopes.Parts(c.Members[i].Scope, null).Count;
                var rootParts = Scopes.Parts(c.Members[root].Scope, null).Count;
                if (all > 0 && held >= HoldsAll * all && (parts > rootParts || (parts == rootParts && string.CompareOrdinal(c.Members[i].Scope, c.Members[root].Scope) < 0)))
                {
                    root = i;
                }
            }

            return root;
        }

        var candidates = Enumerable.Range(0, c.Members.Count).Where(i => c.Members[i].Signal == c.TriggerSignal)
            .OrderBy(i => Scopes.Parts(c.Members[i].Scope, null).Count).ThenBy(i => c.Members[i].Scope, StringComparer.Ordinal).ToList();
        if (candidates.Count == 0) return c.Root;
        // The widest first; a scope replaces it when it concentrates the shift (a larger effect by NarrowerFactor) and still
        // accounts for most of the wider one's excess (effect × size, sizes from the reference): a population-wide change
        // shows the same effect in every subgroup and stays at the population; a change at one site shows a diluted effect
        // in the population that the site's own effect, times its share, explains.
        var best = candidates[0];
        var effects = c.Members.Select(EffectOf).ToArray();
        foreach (var i in candidates.Skip(1))
        {
            var (m, b) = (c.Members[i], c.Members[best]);
            var (em, eb) = (Math.Abs(effects[i]), Math.Abs(effects[best]));
            var explains = em * Math.Max(1, m.Size) >= HoldsExcess * eb * Math.Max(1, b.Size);
            if (explains && em > NarrowerFactor * eb) best = i;
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
        var group = root.NewGroup is { } g && root.Cause != g && !root.Cause.EndsWith("&" + g, StringComparison.Ordinal) ? $": a group absent from the reference, {g}, appeared" : "";
        return $"Root cause: {root.Signal} changed in {where} of {state.Model} since {c.Start:yyyy-MM-dd HH:mm}Z{group} (effect {Detector.F(root.Effect)}, {root.Events} events)"
            + (others > 0 ? $"; {others} consequence{(others == 1 ? "" : "s")}: {string.Join(", ", c.Members.Where(m => m != root).Select(m => $"{m.Signal} in {m.Scope}").Distinct().Take(6))}." : ".");
    }
}
