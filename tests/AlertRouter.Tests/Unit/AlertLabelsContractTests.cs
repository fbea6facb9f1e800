using Monitoring.AlertRouter.Alerts;
using Monitoring.AlertRouter.Tests.Support;
using Monitoring.Contracts;

namespace Monitoring.AlertRouter.Tests.Unit;

/// <summary>
/// The labels routing files match on and the fingerprint that de-duplicates alerts are a contract: operators write
/// matchers against these exact names and values, and an alert opened before an upgrade must still be found by the
/// fingerprint the next version computes. Exact values, so a renamed label or a changed hash input fails here.
/// </summary>
public class AlertLabelsContractTests
{
    [Theory]
    [InlineData(FindingKind.DistributionShift, "distribution-shift")]
    [InlineData(FindingKind.PerformanceDecay, "performance-decay")]
    [InlineData(FindingKind.EstimatedPerformanceDecay, "estimated-performance-decay")]
    [InlineData(FindingKind.FairnessGap, "fairness-gap")]
    [InlineData(FindingKind.AbruptChange, "abrupt-change")]
    public void KindWireNames(FindingKind kind, string name) => Assert.Equal(name, AlertLabels.KindName(kind));

    [Theory]
    [InlineData(Severity.Critical, "critical")]
    [InlineData(Severity.Error, "error")]
    [InlineData(Severity.Warning, "warning")]
    [InlineData(Severity.Info, "info")]
    public void SeverityWireNames(Severity severity, string name) => Assert.Equal(name, AlertLabels.SeverityName(severity));

    [Fact]
    public void SubgroupTextIsSortedByAttributeOrdinally()
    {
        var subgroup = new Dictionary<string, string> { ["sex"] = "F", ["ageBand"] = "65+", ["Zone"] = "2" };

        Assert.Equal("Zone=2,ageBand=65+,sex=F", AlertLabels.SubgroupText(subgroup));
    }

    [Fact]
    public void GivenAFinding_ThenItsLabelsAreExactly()
    {
        var finding = Findings.Detected("cxr", site: "hospital-a", severity: Severity.Error, kind: FindingKind.FairnessGap,
            subgroup: new Dictionary<string, string> { ["sex"] = "F", ["ageBand"] = "65+" });

        Assert.Equal(new Dictionary<string, string>
        {
            ["alertname"] = "fairness-gap", ["source"] = "finding", ["kind"] = "fairness-gap", ["model"] = "cxr", ["model_version"] = "2.3.1",
            ["signal"] = "feature:meanIntensity", ["severity"] = "error", ["clinical_safety"] = "true", ["site"] = "hospital-a",
            ["subgroup"] = "ageBand=65+,sex=F",
        }, AlertLabels.ForFinding(finding, clinicalSafety: true));
        Assert.Equal("false", AlertLabels.ForFinding(finding, clinicalSafety: false)["clinical_safety"]);
    }

    [Fact]
    public void GivenAFindingWithoutSiteOrSubgroup_ThenThoseLabelsAreAbsent()
    {
        var labels = AlertLabels.ForFinding(Findings.Detected("cxr", site: null), clinicalSafety: false);

        Assert.False(labels.ContainsKey("site"));
        Assert.False(labels.ContainsKey("subgroup"));
        Assert.False(AlertLabels.ForFinding(Findings.Detected("cxr", site: ""), false).ContainsKey("site"));
    }

    [Fact]
    public void GivenAFindingOfAChange_ThenItIsLabelledWithTheChangeAndItsIncident()
    {
        var finding = Findings.Detected("cxr") with { ChangeId = "chg-7" };

        var labels = AlertLabels.ForFinding(finding, false, TimeSpan.FromDays(1));

        Assert.Equal(("chg-7", "change:chg-7"), (labels["change"], labels["incident"]));
    }

    [Fact]
    public void GivenAFindingWithoutChange_ThenItsIncidentIsTheDeploymentSiteAndEpochAlignedWindow()
    {
        var finding = Findings.Detected("cxr", site: "hospital-a") with { DetectedAt = new DateTimeOffset(2026, 3, 2, 17, 40, 0, TimeSpan.FromHours(2)) };

        var labels = AlertLabels.ForFinding(finding with { ChangeId = " " }, false, TimeSpan.FromHours(6));

        Assert.Equal("window:cxr@2.3.1|hospital-a|2026-03-02T12:00Z", labels["incident"]); // 15:40 UTC, 6 h windows from 00:00
        Assert.False(labels.ContainsKey("change"));
        Assert.Equal("window:cxr@2.3.1|*|2026-03-02T00:00Z", AlertLabels.IncidentKey(finding with { Site = null }, TimeSpan.FromDays(1)));
    }

    [Fact]
    public void GivenAChange_ThenItsIncidentLabelsAreThoseOfItsRootCause()
    {
        var change = Findings.Change("chg-a", site: "site-b", kind: FindingKind.PerformanceDecay, signal: "performance:sensitivity");

        Assert.Equal(new Dictionary<string, string>
        {
            ["alertname"] = "performance-decay", ["source"] = "finding", ["kind"] = "performance-decay", ["model"] = "cxr",
            ["model_version"] = "2.3.1", ["signal"] = "performance:sensitivity", ["severity"] = "warning", ["clinical_safety"] = "true",
            ["change"] = "chg-a", ["incident"] = "change:chg-a", ["site"] = "site-b", ["subgroup"] = "manufacturer=SIEMENS",
        }, AlertLabels.ForChange(change, clinicalSafety: true));
        Assert.Equal("false", AlertLabels.ForChange(change, clinicalSafety: false)["clinical_safety"]);
    }

    [Fact]
    public void GivenAChangeWithoutMembers_ThenItsSignalLabelIsPresentAndEmpty()
    {
        // The intake refuses such a change; the labels still keep the key set every route and inhibit rule may match on.
        var labels = AlertLabels.ForChange(Findings.Change("chg-a") with { Members = [] }, false);

        Assert.Equal("", labels["signal"]);
        Assert.Equal(AlertLabels.ForChange(Findings.Change("chg-a"), false).Keys.Order(), labels.Keys.Order());
    }

    [Fact]
    public void GivenAChangeNamingItsSiteOnlyInItsScopeOrOnlyAsSite_ThenTheSiteLabelIsSetEitherWay()
    {
        var change = Findings.Change("chg-a", site: "site-b");
        var scopeOnly = change with { Site = null };
        var siteOnly = change with { RootScope = new Dictionary<string, string> { ["manufacturer"] = "SIEMENS" } };
        var noSite = change with { Site = null, RootScope = new Dictionary<string, string>() };

        Assert.Equal("site-b", AlertLabels.ForChange(scopeOnly, false)["site"]);
        Assert.Equal("site-b", AlertLabels.ForChange(siteOnly, false)["site"]);
        Assert.False(AlertLabels.ForChange(noSite, false).ContainsKey("site"));
        Assert.False(AlertLabels.ForChange(noSite, false).ContainsKey("subgroup"));
        Assert.False(AlertLabels.ForChange(change with { Site = "", RootScope = noSite.RootScope }, false).ContainsKey("site"));
    }

    [Fact]
    public void GivenAHealthCondition_ThenItsLabelsAreExactly()
    {
        var condition = Findings.Health("ingest-stopped", "hospital-a", firing: true);

        Assert.Equal(new Dictionary<string, string>
        {
            ["alertname"] = "ingest-stopped", ["source"] = "health", ["condition"] = "ingest-stopped", ["service"] = "ingest",
            ["severity"] = "error", ["clinical_safety"] = "false", ["site"] = "hospital-a",
        }, AlertLabels.ForHealth(condition, clinicalSafety: false));
        Assert.Equal("true", AlertLabels.ForHealth(condition, clinicalSafety: true)["clinical_safety"]);
        Assert.False(AlertLabels.ForHealth(condition with { Site = null }, false).ContainsKey("site"));
        Assert.False(AlertLabels.ForHealth(condition with { Site = "" }, false).ContainsKey("site"));
    }

    // Golden fingerprints: alerts stay open across upgrades and are found again by fingerprint, so its inputs (which
    // labels, their order, the separators, the incident shortcut) must not drift. Regenerate only with a migration.
    [Fact]
    public void FingerprintsAreStableAcrossVersions()
    {
        var health = AlertLabels.ForHealth(Findings.Health("ingest-stopped", "hospital-a", firing: true), false);
        var incident = new Dictionary<string, string> { ["source"] = "finding", ["incident"] = "change:chg-a", ["signal"] = "x", ["severity"] = "info" };

        Assert.Equal("311308807c46520b", AlertLabels.Fingerprint(health));
        Assert.Equal("6c639805c083cdeb", AlertLabels.Fingerprint(incident));
    }

    [Fact]
    public void GivenAnIncidentLabel_ThenTheFingerprintIgnoresEverythingButTheIncidentAndTheSource()
    {
        var a = new Dictionary<string, string> { ["source"] = "finding", ["incident"] = "change:chg-a", ["signal"] = "x", ["site"] = "a" };
        var b = new Dictionary<string, string> { ["source"] = "finding", ["incident"] = "change:chg-a", ["signal"] = "y", ["subgroup"] = "sex=F" };
        var health = new Dictionary<string, string> { ["source"] = "health", ["incident"] = "change:chg-a" };

        Assert.Equal(AlertLabels.Fingerprint(a), AlertLabels.Fingerprint(b));
        Assert.NotEqual(AlertLabels.Fingerprint(a), AlertLabels.Fingerprint(health));
        Assert.Equal(16, AlertLabels.Fingerprint(a).Length);
    }
}
