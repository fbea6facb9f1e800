namespace Monitoring.AlertRouter.Routing;

/// <summary>Alertmanager's routing walk, as pure functions.</summary>
public static class RouteTree
{
    /// <summary>
    /// The routes an alert is delivered by. Depth first: a matching child is entered, and unless it has
    /// <c>continue: true</c> its later siblings are not tried. A node none of whose children matched is itself a match.
    /// The root always matches.
    /// </summary>
    public static IReadOnlyList<RouteNode> Match(RouteNode root, IReadOnlyDictionary<string, string> labels)
    {
        var result = new List<RouteNode>();
        Walk(root, labels, result);
        return result;
    }

    private static bool Walk(RouteNode route, IReadOnlyDictionary<string, string> labels, List<RouteNode> result)
    {
        if (!Matcher.All(route.Matchers, labels))
        {
            return false;
        }

        var anyChild = false;
        foreach (var child in route.Routes)
        {
            if (Walk(child, labels, result))
            {
                anyChild = true;
                if (!child.Continue)
                {
                    break;
                }
            }
        }

        if (!anyChild)
        {
            result.Add(route);
        }

        return true;
    }

    /// <summary>The group key of an alert on a route: route id, receiver and the group_by label values.</summary>
    public static (string Key, IReadOnlyDictionary<string, string> GroupLabels) GroupOf(RouteNode route, IReadOnlyDictionary<string, string> labels)
    {
        IReadOnlyDictionary<string, string> groupLabels = route.GroupBy.Contains("...")
            ? new SortedDictionary<string, string>(labels.ToDictionary(), StringComparer.Ordinal)
            : new SortedDictionary<string, string>(
                route.GroupBy.Where(labels.ContainsKey).ToDictionary(n => n, n => labels[n]), StringComparer.Ordinal);
        var key = $"{route.Id}/{route.Receiver}:{{{string.Join(",", groupLabels.Select(kv => $"{kv.Key}=\"{kv.Value}\""))}}}";
        return (key, groupLabels);
    }

    /// <summary>Who is on call for a schedule at <paramref name="now"/>: the latest-starting override in force, else the rotation.</summary>
    public static string WhoIsOnCall(OnCallSchedule schedule, DateTimeOffset now)
    {
        var over = schedule.Overrides.Where(o => o.Start <= now && now < o.End).OrderByDescending(o => o.Start).FirstOrDefault();
        if (over is not null)
        {
            return over.Person;
        }

        var elapsed = now - schedule.RotationStart;
        var shifts = (long)Math.Floor(elapsed.Ticks / (double)schedule.Shift.Ticks);
        var index = (int)(((shifts % schedule.Participants.Count) + schedule.Participants.Count) % schedule.Participants.Count);
        return schedule.Participants[index];
    }
}
