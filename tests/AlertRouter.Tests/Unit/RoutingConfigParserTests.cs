using Monitoring.AlertRouter.Routing;

namespace Monitoring.AlertRouter.Tests.Unit;

public class RoutingConfigParserTests
{
    private static string RoutingDir => Path.Combine(AppContext.BaseDirectory, "routing");

    private const string Minimal = """
        route:
          receiver: team
        receivers:
          - name: team
            webhook_configs:
              - url: http://127.0.0.1:9/hook
        """;

    [Fact]
    public void GivenTheDemoFile_WhenParsedWithDefaults_ThenItIsValidWithShortTimeouts()
    {
        var config = RoutingConfigParser.Parse(File.ReadAllText(Path.Combine(RoutingDir, "demo-routing.yaml")), _ => null);

        Assert.Equal("mlops-webhook", config.Root.Receiver);
        Assert.Equal("http://127.0.0.1:9095/alerts", config.Receivers["mlops-webhook"].Integrations[0].Url);
        Assert.Equal(8025, config.Receivers["mlops-email"].Integrations[0].SmtpPort);
        Assert.All(config.EscalationPolicies.Values.SelectMany(p => p.Levels), l => Assert.True(l.Timeout <= TimeSpan.FromMinutes(1)));
        Assert.Equal(TimeSpan.FromSeconds(90), config.DecisionDeadline);
    }

    [Fact]
    public void GivenTheDemoFile_WhenEnvironmentOverridesTheTargets_ThenTheyAreUsed()
    {
        var env = new Dictionary<string, string> { ["ALERT_WEBHOOK_URL"] = "http://10.0.0.1:1234/x", ["ALERT_SMTP_PORT"] = "2525" };
        var config = RoutingConfigParser.Parse(File.ReadAllText(Path.Combine(RoutingDir, "demo-routing.yaml")), n => env.GetValueOrDefault(n));

        Assert.Equal("http://10.0.0.1:1234/x", config.Receivers["mlops-webhook"].Integrations[0].Url);
        Assert.Equal(2525, config.Receivers["safety-email"].Integrations[0].SmtpPort);
    }

    /// <summary>The names the production overlay supplies (deploy/k8s/base/alert-router.yaml); nothing else answers.</summary>
    internal static readonly Dictionary<string, string> ProductionSecrets = new()
    {
        ["MLOPS_CHAT_WEBHOOK_URL"] = "https://chat.example.org/hook",
        ["PAGERDUTY_MLOPS_ROUTING_KEY"] = "key-mlops",
        ["PAGERDUTY_PLATFORM_ROUTING_KEY"] = "key-platform",
        ["PAGERDUTY_CMIO_ROUTING_KEY"] = "key-cmio",
        ["SMTP_PASSWORD"] = "secret",
    };

    [Fact]
    public void GivenTheProductionExample_WhenOnlyItsSecretsAreSet_ThenItIsValid()
    {
        var config = RoutingConfigParser.Parse(File.ReadAllText(Path.Combine(RoutingDir, "routing.example.yaml")), n => ProductionSecrets.GetValueOrDefault(n));

        Assert.Equal(3, config.EscalationPolicies["clinical-safety"].Levels.Count);
        Assert.Equal(RoutingConfigParser.PagerDutyEventsUrl, config.Receivers["mlops-pagerduty"].Integrations[0].Url);
        Assert.Equal("key-cmio", config.Receivers["cmio-pagerduty"].Integrations[0].RoutingKey);
        Assert.Equal("smtp.example.org", config.Receivers["mlops-email"].Integrations[0].SmtpHost);
        Assert.Equal("mlops-engineer-3", config.Schedules["mlops-primary"].Overrides[0].Person);
    }

    [Fact]
    public void GivenTheProductionExample_WhenASecretIsMissing_ThenEveryMissingNameIsListedWithItsPlace()
    {
        var partial = ProductionSecrets.Where(kv => !kv.Key.StartsWith("PAGERDUTY_", StringComparison.Ordinal)).ToDictionary();
        var ex = Assert.Throws<RoutingConfigException>(() =>
            RoutingConfigParser.Parse(File.ReadAllText(Path.Combine(RoutingDir, "routing.example.yaml")), n => partial.GetValueOrDefault(n)));

        Assert.Equal(["PAGERDUTY_CMIO_ROUTING_KEY", "PAGERDUTY_MLOPS_ROUTING_KEY", "PAGERDUTY_PLATFORM_ROUTING_KEY"],
            ex.Errors.Select(e => e.Reason.Split(' ')[2]).Order(StringComparer.Ordinal));
        Assert.All(ex.Errors, e => Assert.True(e.Line > 0 && e.Column > 0, e.ToString()));
    }

    [Fact]
    public void GivenACommentNamingAVariable_WhenTheVariableIsUnset_ThenTheFileStillLoads()
    {
        var yaml = "# Secrets come from ${UNSET_IN_A_COMMENT} and ${ANOTHER}\n" + Minimal.Replace("/hook", "/hook  # not ${THIS_ONE} either", StringComparison.Ordinal);

        var config = RoutingConfigParser.Parse(yaml, _ => null);

        Assert.Equal("http://127.0.0.1:9/hook", config.Receivers["team"].Integrations[0].Url);
        Assert.Empty(EnvironmentExpander.Names(yaml));
    }

    [Fact]
    public void GivenAHashInsideAQuotedValue_ThenItIsNotAComment()
    {
        Assert.Equal(["REAL"], EnvironmentExpander.Names("url: 'http://h/#${REAL}'  # ${COMMENTED}").Select(n => n.Name));
    }

    [Fact]
    public void GivenSeveralErrors_WhenParsed_ThenEachIsReportedWithLineAndColumn()
    {
        const string yaml = """
            route:
              receiver: team
              group_wait: soon
            receivers:
              - name: team
                webhook_configs:
                  - url: not-a-url
              - name: other
                unknown: 1
            inhibit_rules:
              - source_matchers: ['a b']
                target_matchers: ['x="y"']
            """;

        var ex = Assert.Throws<RoutingConfigException>(() => RoutingConfigParser.Parse(yaml, _ => null));

        Assert.Equal([3, 7, 9, 11], ex.Errors.Select(e => e.Line));
        Assert.Contains("not a duration", ex.Errors[0].Reason, StringComparison.Ordinal);
        Assert.Contains("unknown key 'unknown'", ex.Errors[2].Reason, StringComparison.Ordinal);
        Assert.All(ex.Errors, e => Assert.True(e.Column > 0, e.ToString()));
        Assert.Contains("line 7, column", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GivenTheSameContent_WhenParsedTwice_ThenTheVersionIsStableAndChangesWithContent()
    {
        var a = RoutingConfigParser.Parse(Minimal, _ => null);
        var b = RoutingConfigParser.Parse(Minimal, _ => null);
        var c = RoutingConfigParser.Parse(Minimal.Replace(":9/", ":10/", StringComparison.Ordinal), _ => null);

        Assert.Equal(a.Version, b.Version);
        Assert.NotEqual(a.Version, c.Version);
    }

    [Theory]
    [InlineData("route:\n  receiver: team\n  group_wait: soon\nreceivers:\n  - name: team\n    webhook_configs:\n      - url: http://h/x\n", 3, "not a duration")]
    [InlineData("route:\n  receiver: nobody\nreceivers:\n  - name: team\n    webhook_configs:\n      - url: http://h/x\n", 2, "receiver 'nobody' is not defined")]
    [InlineData("route:\n  receiver: team\n  recever: team\nreceivers:\n  - name: team\n    webhook_configs:\n      - url: http://h/x\n", 3, "unknown key 'recever'")]
    [InlineData("route:\n  receiver: team\n  routes:\n    - matchers: ['severity critical']\nreceivers:\n  - name: team\n    webhook_configs:\n      - url: http://h/x\n", 4, "is not a matcher")]
    [InlineData("route:\n  receiver: team\nreceivers:\n  - name: team\n    webhook_configs:\n      - url: not-a-url\n", 6, "not an absolute http(s) URL")]
    [InlineData("route:\n  receiver: team\n    bad: indent\nreceivers: []\n", 3, "not valid YAML")]
    [InlineData("route:\n  receiver: team\n  escalation_policy: p\nreceivers:\n  - name: team\n    webhook_configs:\n      - url: http://h/x\nescalation_policies:\n  - name: p\n    levels:\n      - receivers: [team]\n        timeout: 0s\n", 12, "timeout must be positive")]
    [InlineData("route:\n  receiver: team\nreceivers:\n  - name: team\n    webhook_configs:\n      - url: ${NOT_SET_ANYWHERE}\n", 6, "NOT_SET_ANYWHERE is not set")]
    [InlineData("route:\n  receiver: team\nreceivers:\n  - name: team\n    fallback: team\n    webhook_configs:\n      - url: http://h/x\n", 5, "must name another receiver")]
    public void GivenAnInvalidFile_WhenParsed_ThenItIsRefusedWithTheLineAndReason(string yaml, int line, string reason)
    {
        var ex = Assert.Throws<RoutingConfigException>(() => RoutingConfigParser.Parse(yaml, _ => null));

        Assert.Equal(line, ex.Line);
        Assert.Contains(reason, ex.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0s", 0)]
    [InlineData("500ms", 0.5)]
    [InlineData("90s", 90)]
    [InlineData("1h30m", 5400)]
    [InlineData("2d", 172800)]
    public void DurationsParseLikePrometheus(string text, double seconds)
    {
        Assert.True(Durations.TryParse(text, out var d));
        Assert.Equal(seconds, d.TotalSeconds);
    }

    [Theory]
    [InlineData("")]
    [InlineData("5")]
    [InlineData("5 minutes")]
    [InlineData("-5m")]
    public void DurationsRefuseOtherText(string text) => Assert.False(Durations.TryParse(text, out _));

    [Fact]
    public void GivenARelativeRoutingPath_ThenItIsFoundFromTheContentRootUpwards()
    {
        var root = Directory.CreateTempSubdirectory("ar-resolve").FullName;
        var project = Directory.CreateDirectory(Path.Combine(root, "services", "AlertRouter")).FullName;
        Directory.CreateDirectory(Path.Combine(root, "deploy", "alerting"));
        var file = Path.Combine(root, "deploy", "alerting", "demo.yaml");
        File.WriteAllText(file, Minimal);
        try
        {
            Assert.Equal(file, RoutingConfigProvider.Resolve("deploy/alerting/demo.yaml", project));
            Assert.Equal(file, RoutingConfigProvider.Resolve("deploy/alerting/demo.yaml", root));
            Assert.Equal("/etc/x.yaml", RoutingConfigProvider.Resolve("/etc/x.yaml", project));
            Assert.Equal(Path.Combine(project, "missing.yaml"), RoutingConfigProvider.Resolve("missing.yaml", project));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
