using Monitoring.AlertRouter.Routing;

namespace Monitoring.AlertRouter.Tests.Unit;

public class RouteTreeTests
{
    private static readonly RoutingConfig Config = RoutingConfigParser.Parse("""
        route:
          receiver: default
          group_by: [alertname, model]
          routes:
            - matchers: ['clinical_safety="true"']
              receiver: safety
              continue: true
            - matchers: ['clinical_safety="true"']
              receiver: pager
            - matchers: ['source="health"']
              receiver: platform
              group_by: ['...']
            - matchers: ['site=~"hospital-(a|b)"', 'kind!="distribution-shift"']
              receiver: sites-ab
              routes:
                - matchers: ['subgroup=~".*sex=F.*"']
                  receiver: womens-health
            - matchers: ['model="mammo-screen"']
              receiver: breast
        receivers:
          - name: default
            webhook_configs: [{ url: "http://h/default" }]
          - name: safety
            webhook_configs: [{ url: "http://h/safety" }]
          - name: pager
            webhook_configs: [{ url: "http://h/pager" }]
          - name: platform
            webhook_configs: [{ url: "http://h/platform" }]
          - name: sites-ab
            webhook_configs: [{ url: "http://h/ab" }]
          - name: womens-health
            webhook_configs: [{ url: "http://h/wh" }]
          - name: breast
            webhook_configs: [{ url: "http://h/breast" }]
        """, _ => null);

    public static TheoryData<string, string> Cases => new()
    {
        { "alertname=distribution-shift,model=cxr,site=hospital-c,kind=distribution-shift,clinical_safety=false", "default" },
        { "alertname=performance-decay,model=cxr,site=hospital-c,kind=performance-decay,clinical_safety=true", "safety,pager" },
        { "alertname=ingest-stopped,source=health,site=hospital-a,clinical_safety=false", "platform" },
        { "alertname=abrupt-change,model=cxr,site=hospital-b,kind=abrupt-change,clinical_safety=false", "sites-ab" },
        { "alertname=abrupt-change,model=cxr,site=hospital-a,kind=abrupt-change,subgroup=ageBand=65+|sex=F,clinical_safety=false", "womens-health" },
        { "alertname=distribution-shift,model=cxr,site=hospital-a,kind=distribution-shift,clinical_safety=false", "default" },
        { "alertname=distribution-shift,model=mammo-screen,site=hospital-a,kind=distribution-shift,clinical_safety=false", "breast" },
        { "alertname=abrupt-change,model=mammo-screen,site=hospital-ab,kind=abrupt-change,clinical_safety=false", "breast" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void RoutingTableCases(string labels, string receivers)
    {
        var map = labels.Split(',').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1].Replace('|', ','));

        var matched = RouteTree.Match(Config.Root, map);

        Assert.Equal(receivers.Split(','), matched.Select(r => r.Receiver));
    }

    [Fact]
    public void GivenGroupByLabels_ThenAlertsDifferingOnlyElsewhereShareAGroup()
    {
        var a = new Dictionary<string, string> { ["alertname"] = "x", ["model"] = "cxr", ["site"] = "a" };
        var b = new Dictionary<string, string> { ["alertname"] = "x", ["model"] = "cxr", ["site"] = "b" };
        var c = new Dictionary<string, string> { ["alertname"] = "x", ["model"] = "ct", ["site"] = "a" };

        Assert.Equal(RouteTree.GroupOf(Config.Root, a).Key, RouteTree.GroupOf(Config.Root, b).Key);
        Assert.NotEqual(RouteTree.GroupOf(Config.Root, a).Key, RouteTree.GroupOf(Config.Root, c).Key);
        Assert.Equal(new Dictionary<string, string> { ["alertname"] = "x", ["model"] = "cxr" }, RouteTree.GroupOf(Config.Root, a).GroupLabels);
    }

    [Fact]
    public void GivenGroupByAll_ThenEveryDistinctLabelSetIsItsOwnGroup()
    {
        var platform = Config.Root.Routes[2];
        var a = new Dictionary<string, string> { ["alertname"] = "x", ["source"] = "health", ["site"] = "a" };
        var b = new Dictionary<string, string> { ["alertname"] = "x", ["source"] = "health", ["site"] = "b" };

        Assert.NotEqual(RouteTree.GroupOf(platform, a).Key, RouteTree.GroupOf(platform, b).Key);
    }

    [Fact]
    public void OnCallFollowsTheRotationAndOverridesWin()
    {
        var start = new DateTimeOffset(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);
        var schedule = new OnCallSchedule("s", "r", start, TimeSpan.FromHours(12), ["alice", "bob", "carol"],
            [new OnCallOverride(start.AddDays(3), start.AddDays(3).AddHours(2), "dave")]);

        Assert.Equal("alice", RouteTree.WhoIsOnCall(schedule, start));
        Assert.Equal("bob", RouteTree.WhoIsOnCall(schedule, start.AddHours(12)));
        Assert.Equal("carol", RouteTree.WhoIsOnCall(schedule, start.AddHours(35)));
        Assert.Equal("alice", RouteTree.WhoIsOnCall(schedule, start.AddHours(36)));
        Assert.Equal("carol", RouteTree.WhoIsOnCall(schedule, start.AddHours(-1)));
        Assert.Equal("dave", RouteTree.WhoIsOnCall(schedule, start.AddDays(3).AddHours(1)));
        Assert.Equal("alice", RouteTree.WhoIsOnCall(schedule, start.AddDays(3).AddHours(2)));
    }
}
