using System.Text.Json;
using System.Text.RegularExpressions;
using Monitoring.Contracts;
using Monitoring.Simulator.Generation;
using Monitoring.Simulator.Sinks;

namespace Monitoring.Simulator.Tests;

/// <summary>A week of all three models at five sites (new-site scenario), shared by the contract checks.</summary>
public sealed class AllModelsSampleFixture
{
    internal Sample Sample { get; } = Sample.Generate(new SimulationSettings
    {
        Seed = 99,
        Days = 8,
        Volume = 0.5,
        Scenario = "new-site",
        ScenarioParameters = new() { ChangeStart = SimulationSettings.DefaultStart + TimeSpan.FromDays(3), RampDays = 1 },
    });
}

/// <summary>Every event satisfies the contract rules the Ingest enforces, and carries no direct identifier.</summary>
public partial class ContractValidityTests(AllModelsSampleFixture fixture) : IClassFixture<AllModelsSampleFixture>
{
    private readonly Sample _sample = fixture.Sample;

    [GeneratedRegex("^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")]
    private static partial Regex Uuid8();

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Pseudonym();

    [GeneratedRegex("^[0-9]{3}[DWMY]$")]
    private static partial Regex DicomAge();

    [GeneratedRegex("^[A-Z0-9 _]{1,16}$")]
    private static partial Regex CodeString();

    [GeneratedRegex(@"(\d[\s().\-/]?){6}\d")]
    private static partial Regex SevenDigitRun();

    private static readonly string[] Modalities = ["CR", "DX", "MG", "CT"];
    private static readonly string[] Views = ["PA", "AP", "LL", "CC", "MLO", ""];
    private static readonly string[] AgeBands = ["0-17", "18-39", "40-64", "65+"];

    [Fact]
    public void GivenSample_WhenInspected_ThenEveryModelSiteAndModalityIsPresent()
    {
        Assert.Equal(["ct-chest", "cxr-triage", "mammo-screen"], _sample.Inferences.Select(e => e.Message.Model.Id).Distinct().Order());
        Assert.Equal(["site-a", "site-b", "site-c", "site-d", "site-e"], _sample.Inferences.Select(e => e.Message.Site).Distinct().Order());
        Assert.Equal(["CR", "CT", "DX", "MG"], _sample.Inferences.Select(e => e.Message.Study.Modality).Distinct().Order());
    }

    [Fact]
    public void GivenEveryInference_WhenValidated_ThenItFollowsTheContractRules()
    {
        Assert.All(_sample.Inferences, e =>
        {
            var m = e.Message;
            Assert.Matches(Uuid8(), m.InferenceId);
            Assert.True(m.InferenceId.Length <= InferenceRecorded.MaxInferenceIdLength);
            Assert.False(string.IsNullOrEmpty(m.Model.Id));
            Assert.False(string.IsNullOrEmpty(m.Model.Version));
            Assert.Matches("^[a-z0-9-]{1,64}$", m.Site);

            Assert.Contains(m.Study.Modality, Modalities);
            Assert.Matches(CodeString(), m.Study.BodyPartExamined);
            Assert.Contains(m.Study.ViewPosition, Views);
            Assert.False(string.IsNullOrWhiteSpace(m.Study.Manufacturer));
            Assert.False(string.IsNullOrWhiteSpace(m.Study.ManufacturerModelName));
            Assert.Equal(m.Study.Modality == "CT", m.Study.ViewPosition == "");

            Assert.Matches(Pseudonym(), m.Patient.PseudoId);
            Assert.True(m.Patient.Age is null ^ m.Patient.AgeBand is null, "exactly one of age and ageBand");
            if (m.Patient.Age is { } age)
            {
                Assert.Matches(DicomAge(), age);
            }
            else
            {
                Assert.Contains(m.Patient.AgeBand, AgeBands);
            }

            Assert.Contains(m.Patient.Sex, new[] { "M", "F", "O", "U" });
            if (m.Model.Id == "mammo-screen")
            {
                Assert.Equal("F", m.Patient.Sex);
            }

            Assert.All(m.Prediction.Scores.Values, s => Assert.InRange(s, 0, 1));
            Assert.All(m.Prediction.PredictedLabels, l => Assert.True(m.Prediction.Scores[l] >= m.Prediction.Threshold));
            Assert.Equal(m.Prediction.Scores.Count(s => s.Value >= m.Prediction.Threshold), m.Prediction.PredictedLabels.Count);
            Assert.NotEmpty(m.Features);
            Assert.All(m.Features.Values, v => Assert.True(double.IsFinite(v)));
            Assert.NotNull(m.Embedding);
            Assert.Equal(16, m.Embedding!.Length);
            Assert.All(m.Embedding, v => Assert.True(float.IsFinite(v)));
            Assert.InRange(m.LatencyMs, 1, 60_000);
        });
    }

    [Fact]
    public void GivenTruthAndFeedback_WhenValidated_ThenTheyReferToEarlierInferencesWithKnownLabelsAndActions()
    {
        var inferences = _sample.Inferences.ToDictionary(e => e.Message.InferenceId);
        Assert.All(_sample.Truths, t =>
        {
            var inference = inferences[t.Message.InferenceId];
            Assert.True(t.Message.RecordedAt > inference.At);
            Assert.All(t.Message.Labels, l => Assert.Contains(l, inference.Message.Prediction.Scores.Keys));
            Assert.Contains(t.Message.Source, new[] { "radiology-report", "pathology", "follow-up", "consensus" });
        });
        Assert.All(_sample.Feedback, f =>
        {
            Assert.True(f.Message.RecordedAt > inferences[f.Message.InferenceId].At);
            Assert.Matches(Pseudonym(), f.Message.ReaderPseudoId);
        });
    }

    [Fact]
    public void GivenWireJson_WhenInspected_ThenItCarriesNoDirectIdentifier()
    {
        var forbiddenNames = new[] { "patientName", "patientId", "mrn", "birthDate", "accessionNumber", "studyInstanceUid", "localId", "name" };
        foreach (var e in _sample.Inferences.Take(5000))
        {
            var json = JsonSerializer.Serialize(e.Message, WireFormat.Options);
            Assert.DoesNotContain(e.Truth.LocalPatientId, json, StringComparison.Ordinal);
            using var doc = JsonDocument.Parse(json);
            foreach (var name in PropertyNames(doc.RootElement))
            {
                Assert.DoesNotContain(name, forbiddenNames, StringComparer.OrdinalIgnoreCase);
            }

            // Free-text fields hold no number runs an identifier guard would flag.
            foreach (var text in new[] { e.Message.Study.Manufacturer, e.Message.Study.ManufacturerModelName, e.Message.Study.Protocol ?? "", e.Message.Patient.Ethnicity ?? "" })
            {
                Assert.DoesNotMatch(SevenDigitRun(), text);
            }
        }
    }

    private static IEnumerable<string> PropertyNames(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                // Feature and score names are data, not fields: skip their keys.
                yield return property.Name;
                if (property.Name is "features" or "scores")
                {
                    continue;
                }

                foreach (var inner in PropertyNames(property.Value))
                {
                    yield return inner;
                }
            }
        }
    }

    [Fact]
    public void GivenPatientsAcrossSites_WhenPseudonymised_ThenTheSameLocalIdGetsDifferentPseudonymsPerSiteSecret()
    {
        var a = Generation.Pseudonym.Derive(Generation.Pseudonym.SiteSecret(1, "site-a"), "P1");
        var b = Generation.Pseudonym.Derive(Generation.Pseudonym.SiteSecret(1, "site-b"), "P1");
        Assert.NotEqual(a, b);
        Assert.Equal(a, Generation.Pseudonym.Derive(Generation.Pseudonym.SiteSecret(1, "site-a"), "P1"));

        // HMAC-SHA256 test vector (RFC 4231, test case 2): key "Jefe", data "what do ya want for nothing?".
        Assert.Equal("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            Generation.Pseudonym.Derive("Jefe"u8, "what do ya want for nothing?"));
    }

    [Fact]
    public void GivenRepeatVisits_WhenCountingPseudonyms_ThenSomePatientsReturnWithConsistentAttributes()
    {
        var byPatient = _sample.Inferences.GroupBy(e => e.Message.Patient.PseudoId).ToArray();
        var returning = byPatient.Count(g => g.Count() > 1) / (double)byPatient.Length;
        Assert.InRange(returning, 0.01, 0.5);
        Assert.All(byPatient.Where(g => g.Count() > 1), g =>
        {
            Assert.Single(g.Select(e => e.Message.Patient.Sex).Distinct());
            Assert.Single(g.Select(e => e.Message.Patient.Ethnicity).Distinct());
            Assert.Single(g.Select(e => e.Message.Site).Distinct());
        });
    }

    [Fact]
    public void GivenWireJson_WhenDeserialisedWithWebDefaults_ThenTheRecordRoundTrips()
    {
        var original = _sample.Inferences[123].Message;
        var json = JsonSerializer.Serialize(original, WireFormat.Options);
        Assert.Contains("\"inferenceId\":", json);
        Assert.DoesNotContain("null", json);
        var back = JsonSerializer.Deserialize<InferenceRecorded>(json, JsonSerializerOptions.Web)!;
        Assert.Equal(json, JsonSerializer.Serialize(back, WireFormat.Options));
        var feedback = JsonSerializer.Serialize(_sample.Feedback[0].Message, WireFormat.Options);
        Assert.Matches("\"action\":\"(agreed|overrode|not-reviewed)\"", feedback);
    }

    [Fact]
    public void GivenAges_WhenFormatted_ThenDicomAgeStringsFollowPs35()
    {
        Assert.Equal("043Y", Ages.DicomAgeString(43.9));
        Assert.Equal("002Y", Ages.DicomAgeString(2.0));
        Assert.Equal("018M", Ages.DicomAgeString(1.5));
        Assert.Equal("002W", Ages.DicomAgeString(15 / 365.25));
        Assert.Equal("003D", Ages.DicomAgeString(3 / 365.25));
        Assert.Equal("0-17", Ages.Band(17.99));
        Assert.Equal("65+", Ages.Band(65));
    }
}
