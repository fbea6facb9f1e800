using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Monitoring.AlertRouter.Routing;

/// <summary>
/// Parses and validates the routing YAML. Strict: unknown keys, unknown receivers / policies / schedules / people,
/// bad durations and bad matchers are refused with the line they are on. <c>${NAME}</c> and <c>${NAME:-default}</c>
/// are replaced from the environment before parsing (<see cref="EnvironmentExpander"/>). Every error is reported, not
/// only the first: each receiver, schedule, policy, route and rule is checked on its own.
/// </summary>
public static class RoutingConfigParser
{
    /// <summary>Default PagerDuty Events API v2 endpoint.</summary>
    public const string PagerDutyEventsUrl = "https://events.pagerduty.com/v2/enqueue";

    /// <summary>Parses a routing file's text. Throws <see cref="RoutingConfigException"/> when it is invalid.</summary>
    public static RoutingConfig Parse(string text, Func<string, string?>? environment = null)
    {
        var expanded = EnvironmentExpander.Expand(text, environment ?? Environment.GetEnvironmentVariable);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(expanded));
        }
        catch (YamlException ex)
        {
            throw new RoutingConfigException(new Position((int)ex.Start.Line, (int)ex.Start.Column), $"not valid YAML: {ex.InnerException?.Message ?? ex.Message}");
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new RoutingConfigException(1, "the file must be a YAML mapping with at least 'route' and 'receivers'");
        }

        var errors = new ErrorCollector();
        var top = new Map(root, "top level", ["global", "route", "receivers", "inhibit_rules", "escalation_policies", "schedules", "people", "clinical_safety"]);
        var receivers = errors.Try(() => top.RequiredSeq("receivers")) is { } rs ? ParseReceivers(rs, errors) : [];
        var people = errors.Try(() => top.OptionalSeq("people")) is { } ps ? ParsePeople(ps, errors) : [];
        var schedules = errors.Try(() => top.OptionalSeq("schedules")) is { } ss ? ParseSchedules(ss, receivers, people, errors) : [];
        var policies = errors.Try(() => top.OptionalSeq("escalation_policies")) is { } eps ? ParsePolicies(eps, receivers, schedules, errors) : [];

        var route = errors.Try(() =>
        {
            var routeNode = top.Required("route");
            var parsed = ParseRoute(AsMap(routeNode, "route", RouteKeys), "root", parent: null, receivers, policies, errors);
            return parsed.Matchers.Count > 0
                ? throw new RoutingConfigException(Line(routeNode), "the root route must not have matchers: it catches every alert")
                : parsed;
        });

        var inhibit = new List<InhibitRule>();
        foreach (var node in errors.Try(() => top.OptionalSeq("inhibit_rules"))?.Children ?? [])
        {
            errors.Run(() => inhibit.Add(ParseInhibit(node)));
        }

        var deadline = TimeSpan.FromHours(4);
        string? clinicalPolicy = null;
        errors.Run(() =>
        {
            if (top.Optional("clinical_safety") is not { } cs)
            {
                return;
            }

            var csMap = AsMap(cs, "clinical_safety", ["decision_deadline", "escalation_policy"]);
            deadline = csMap.Duration("decision_deadline") ?? deadline;
            if (deadline <= TimeSpan.Zero)
            {
                throw new RoutingConfigException(Line(cs), "decision_deadline must be positive");
            }

            if (csMap.String("escalation_policy") is { } p)
            {
                clinicalPolicy = policies.ContainsKey(p)
                    ? p
                    : throw new RoutingConfigException(csMap.LineOf("escalation_policy"), $"escalation_policy '{p}' is not defined in escalation_policies");
            }
        });

        errors.Run(() =>
        {
            if (top.Optional("global") is { } g)
            {
                _ = AsMap(g, "global", ["external_url"]);
            }
        });

        errors.ThrowIfAny();
        return new RoutingConfig
        {
            Version = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(expanded))),
            Root = route!,
            Receivers = receivers,
            InhibitRules = inhibit,
            EscalationPolicies = policies,
            Schedules = schedules,
            People = people,
            DecisionDeadline = deadline,
            ClinicalSafetyPolicy = clinicalPolicy,
        };
    }

    private static readonly string[] RouteKeys =
        ["receiver", "matchers", "continue", "group_by", "group_wait", "group_interval", "repeat_interval", "escalation_policy", "routes"];

    private static RouteNode ParseRoute(Map map, string id, RouteNode? parent, IReadOnlyDictionary<string, Receiver> receivers, IReadOnlyDictionary<string, EscalationPolicy> policies, ErrorCollector errors)
    {
        var receiver = map.String("receiver") ?? parent?.Receiver
            ?? throw new RoutingConfigException(map.Line, "the root route needs a receiver");
        if (!receivers.ContainsKey(receiver))
        {
            throw new RoutingConfigException(map.LineOf("receiver"), $"receiver '{receiver}' is not defined in receivers");
        }

        var policy = map.String("escalation_policy") ?? parent?.EscalationPolicy;
        if (policy is not null && !policies.ContainsKey(policy))
        {
            throw new RoutingConfigException(map.LineOf("escalation_policy"), $"escalation_policy '{policy}' is not defined in escalation_policies");
        }

        var matchers = map.OptionalSeq("matchers") is { } ms ? ms.Children.Select(ParseMatcher).ToList() : [];
        var groupBy = map.OptionalSeq("group_by") is { } gb ? gb.Children.Select(n => Scalar(n, "group_by entry")).ToList() : parent?.GroupBy.ToList() ?? [];
        var route = new RouteNode
        {
            Id = id,
            Receiver = receiver,
            Matchers = matchers,
            Continue = map.Bool("continue") ?? false,
            GroupBy = groupBy,
            GroupWait = map.Duration("group_wait") ?? parent?.GroupWait ?? TimeSpan.FromSeconds(30),
            GroupInterval = map.Duration("group_interval") ?? parent?.GroupInterval ?? TimeSpan.FromMinutes(5),
            RepeatInterval = map.Duration("repeat_interval") ?? parent?.RepeatInterval ?? TimeSpan.FromHours(4),
            EscalationPolicy = policy,
        };
        if (route.GroupInterval <= TimeSpan.Zero || route.RepeatInterval <= TimeSpan.Zero)
        {
            throw new RoutingConfigException(map.Line, "group_interval and repeat_interval must be positive");
        }

        var children = new List<RouteNode>();
        if (map.OptionalSeq("routes") is { } rs)
        {
            for (var i = 0; i < rs.Children.Count; i++)
            {
                var child = rs.Children[i];
                var childId = $"{id}.{i}";
                if (errors.Try(() => ParseRoute(AsMap(child, "route", RouteKeys), childId, route, receivers, policies, errors)) is { } parsed)
                {
                    children.Add(parsed);
                }
            }
        }

        return route with { Routes = children };
    }

    private static Matcher ParseMatcher(YamlNode node)
    {
        var text = Scalar(node, "matcher");
        return Matcher.TryParse(text, out var error) ?? throw new RoutingConfigException(Line(node), error!);
    }

    private static InhibitRule ParseInhibit(YamlNode node)
    {
        var map = AsMap(node, "inhibit rule", ["source_matchers", "target_matchers", "equal"]);
        var source = map.RequiredSeq("source_matchers").Children.Select(ParseMatcher).ToList();
        var target = map.RequiredSeq("target_matchers").Children.Select(ParseMatcher).ToList();
        var equal = map.OptionalSeq("equal") is { } eq ? eq.Children.Select(n => Scalar(n, "equal entry")).ToList() : [];
        return new InhibitRule(source, target, equal);
    }

    private static Dictionary<string, Receiver> ParseReceivers(YamlSequenceNode seq, ErrorCollector errors)
    {
        var result = new Dictionary<string, Receiver>(StringComparer.Ordinal);
        foreach (var node in seq.Children)
        {
            errors.Run(() =>
            {
                var map = AsMap(node, "receiver", ["name", "webhook_configs", "pagerduty_configs", "email_configs", "fallback"]);
                var name = map.RequiredString("name");
                if (result.ContainsKey(name))
                {
                    throw new RoutingConfigException(map.LineOf("name"), $"receiver '{name}' is defined twice");
                }

                var integrations = new List<Integration>();
                foreach (var wh in map.OptionalSeq("webhook_configs")?.Children ?? [])
                {
                    var w = AsMap(wh, "webhook_configs entry", ["url", "send_resolved"]);
                    integrations.Add(new Integration { Kind = ReceiverKind.Webhook, Url = RequiredUrl(w, "url"), SendResolved = w.Bool("send_resolved") ?? true });
                }

                foreach (var pd in map.OptionalSeq("pagerduty_configs")?.Children ?? [])
                {
                    var p = AsMap(pd, "pagerduty_configs entry", ["routing_key", "url", "send_resolved"]);
                    integrations.Add(new Integration
                    {
                        Kind = ReceiverKind.PagerDuty,
                        RoutingKey = p.RequiredString("routing_key"),
                        Url = p.String("url") is null ? PagerDutyEventsUrl : RequiredUrl(p, "url"),
                        SendResolved = p.Bool("send_resolved") ?? true,
                    });
                }

                foreach (var em in map.OptionalSeq("email_configs")?.Children ?? [])
                {
                    var e = AsMap(em, "email_configs entry", ["to", "from", "smarthost", "require_tls", "auth_username", "auth_password", "send_resolved"]);
                    var smarthost = e.RequiredString("smarthost");
                    var colon = smarthost.LastIndexOf(':');
                    if (colon <= 0 || !int.TryParse(smarthost[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
                    {
                        throw new RoutingConfigException(e.LineOf("smarthost"), $"smarthost '{smarthost}' must be host:port");
                    }

                    integrations.Add(new Integration
                    {
                        Kind = ReceiverKind.Email,
                        To = e.String("to"),
                        From = e.RequiredString("from"),
                        SmtpHost = smarthost[..colon],
                        SmtpPort = port,
                        RequireTls = e.Bool("require_tls") ?? false,
                        Username = e.String("auth_username"),
                        Password = e.String("auth_password"),
                        SendResolved = e.Bool("send_resolved") ?? true,
                    });
                }

                result[name] = new Receiver(name, integrations, map.String("fallback"));
            }, () => AddPlaceholder(result, node, n => new Receiver(n, [], null)));
        }

        foreach (var node in seq.Children)
        {
            errors.Run(() =>
            {
                var map = AsMap(node, "receiver", ["name", "webhook_configs", "pagerduty_configs", "email_configs", "fallback"]);
                if (map.String("fallback") is { } fallback && (!result.ContainsKey(fallback) || fallback == map.String("name")))
                {
                    throw new RoutingConfigException(map.LineOf("fallback"), $"fallback '{fallback}' must name another receiver defined in receivers");
                }
            });
        }

        return result;
    }

    private static string RequiredUrl(Map map, string key)
    {
        var url = map.RequiredString(key);
        return Uri.TryCreate(url, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttp || u.Scheme == Uri.UriSchemeHttps)
            ? url
            : throw new RoutingConfigException(map.LineOf(key), $"{key} '{url}' is not an absolute http(s) URL");
    }

    private static Dictionary<string, Person> ParsePeople(YamlSequenceNode seq, ErrorCollector errors)
    {
        var result = new Dictionary<string, Person>(StringComparer.Ordinal);
        foreach (var node in seq.Children)
        {
            errors.Run(() =>
            {
                var map = AsMap(node, "person", ["name", "email"]);
                var name = map.RequiredString("name");
                result[name] = new Person(name, map.String("email"));
            });
        }

        return result;
    }

    private static Dictionary<string, OnCallSchedule> ParseSchedules(YamlSequenceNode seq, IReadOnlyDictionary<string, Receiver> receivers, IReadOnlyDictionary<string, Person> people, ErrorCollector errors)
    {
        var result = new Dictionary<string, OnCallSchedule>(StringComparer.Ordinal);
        foreach (var node in seq.Children)
        {
            errors.Run(() =>
            {
                var map = AsMap(node, "schedule", ["name", "receiver", "rotation", "overrides"]);
                var name = map.RequiredString("name");
                var receiver = map.RequiredString("receiver");
                if (!receivers.ContainsKey(receiver))
                {
                    throw new RoutingConfigException(map.LineOf("receiver"), $"receiver '{receiver}' is not defined in receivers");
                }

                var rotation = AsMap(map.Required("rotation"), "rotation", ["start", "shift", "participants"]);
                var participants = rotation.RequiredSeq("participants").Children.Select(n => KnownPerson(n, people)).ToList();
                if (participants.Count == 0)
                {
                    throw new RoutingConfigException(rotation.Line, "a rotation needs at least one participant");
                }

                var shift = rotation.Duration("shift") ?? throw new RoutingConfigException(rotation.Line, "rotation needs a shift duration");
                if (shift <= TimeSpan.Zero)
                {
                    throw new RoutingConfigException(rotation.LineOf("shift"), "shift must be positive");
                }

                var overrides = new List<OnCallOverride>();
                foreach (var o in map.OptionalSeq("overrides")?.Children ?? [])
                {
                    var om = AsMap(o, "override", ["start", "end", "person"]);
                    var start = om.RequiredInstant("start");
                    var end = om.RequiredInstant("end");
                    if (end <= start)
                    {
                        throw new RoutingConfigException(om.LineOf("end"), "an override must end after it starts");
                    }

                    overrides.Add(new OnCallOverride(start, end, KnownPerson(om.Required("person"), people)));
                }

                result[name] = new OnCallSchedule(name, receiver, rotation.RequiredInstant("start"), shift, participants, overrides);
            }, () => AddPlaceholder(result, node, n => new OnCallSchedule(n, "", DateTimeOffset.UnixEpoch, TimeSpan.FromHours(1), [], [])));
        }

        return result;
    }

    private static string KnownPerson(YamlNode node, IReadOnlyDictionary<string, Person> people)
    {
        var name = Scalar(node, "person");
        return people.ContainsKey(name) ? name : throw new RoutingConfigException(Line(node), $"person '{name}' is not defined in people");
    }

    private static Dictionary<string, EscalationPolicy> ParsePolicies(YamlSequenceNode seq, IReadOnlyDictionary<string, Receiver> receivers, IReadOnlyDictionary<string, OnCallSchedule> schedules, ErrorCollector errors)
    {
        var result = new Dictionary<string, EscalationPolicy>(StringComparer.Ordinal);
        foreach (var node in seq.Children)
        {
            errors.Run(() =>
            {
                var map = AsMap(node, "escalation policy", ["name", "levels", "repeat"]);
                var name = map.RequiredString("name");
                var levels = new List<EscalationLevel>();
                foreach (var levelNode in map.RequiredSeq("levels").Children)
                {
                    var lm = AsMap(levelNode, "escalation level", ["receivers", "schedules", "timeout"]);
                    var rs = lm.OptionalSeq("receivers")?.Children.Select(n => Scalar(n, "receiver")).ToList() ?? [];
                    var ss = lm.OptionalSeq("schedules")?.Children.Select(n => Scalar(n, "schedule")).ToList() ?? [];
                    foreach (var r in rs.Where(r => !receivers.ContainsKey(r)))
                    {
                        throw new RoutingConfigException(lm.LineOf("receivers"), $"receiver '{r}' is not defined in receivers");
                    }

                    foreach (var s in ss.Where(s => !schedules.ContainsKey(s)))
                    {
                        throw new RoutingConfigException(lm.LineOf("schedules"), $"schedule '{s}' is not defined in schedules");
                    }

                    if (rs.Count + ss.Count == 0)
                    {
                        throw new RoutingConfigException(lm.Line, "an escalation level needs at least one receiver or schedule");
                    }

                    var timeout = lm.Duration("timeout") ?? throw new RoutingConfigException(lm.Line, "an escalation level needs a timeout");
                    if (timeout <= TimeSpan.Zero)
                    {
                        throw new RoutingConfigException(lm.LineOf("timeout"), "timeout must be positive");
                    }

                    levels.Add(new EscalationLevel(levels.Count + 1, rs, ss, timeout));
                }

                if (levels.Count == 0)
                {
                    throw new RoutingConfigException(map.Line, $"escalation policy '{name}' has no levels");
                }

                var repeat = map.Int("repeat") ?? 0;
                if (repeat is < 0 or > 100)
                {
                    throw new RoutingConfigException(map.LineOf("repeat"), "repeat must be between 0 and 100");
                }

                result[name] = new EscalationPolicy(name, levels, repeat);
            }, () => AddPlaceholder(result, node, n => new EscalationPolicy(n, [], 0)));
        }

        return result;
    }

    /// <summary>Keeps a refused entry's name known, so references to it do not add errors of their own.</summary>
    private static void AddPlaceholder<T>(Dictionary<string, T> result, YamlNode node, Func<string, T> placeholder)
    {
        if (node is YamlMappingNode m && m.Children.TryGetValue(new YamlScalarNode("name"), out var n) && n is YamlScalarNode { Value: { Length: > 0 } name })
        {
            result.TryAdd(name, placeholder(name));
        }
    }

    private static Position Line(YamlNode node) => new((int)node.Start.Line, (int)node.Start.Column);

    private static string Scalar(YamlNode node, string what) =>
        node is YamlScalarNode { Value: { } v } ? v : throw new RoutingConfigException(Line(node), $"{what} must be a plain value");

    private static Map AsMap(YamlNode node, string what, string[] allowed) =>
        node is YamlMappingNode m ? new Map(m, what, allowed) : throw new RoutingConfigException(Line(node), $"{what} must be a mapping");

    /// <summary>A YAML mapping with strict keys and line-aware accessors.</summary>
    private sealed class Map
    {
        private readonly YamlMappingNode node;
        private readonly string what;

        public Map(YamlMappingNode node, string what, string[] allowed)
        {
            this.node = node;
            this.what = what;
            foreach (var key in node.Children.Keys)
            {
                var name = Scalar(key, "key");
                if (!allowed.Contains(name))
                {
                    throw new RoutingConfigException(RoutingConfigParser.Line(key), $"unknown key '{name}' in {what} (allowed: {string.Join(", ", allowed)})");
                }
            }
        }

        public Position Line => RoutingConfigParser.Line(node);

        public Position LineOf(string key) => node.Children.Keys.FirstOrDefault(k => k is YamlScalarNode s && s.Value == key) is { } k ? RoutingConfigParser.Line(k) : Line;

        public YamlNode? Optional(string key) => node.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v : null;

        public YamlNode Required(string key) => Optional(key) ?? throw new RoutingConfigException(Line, $"{what} needs '{key}'");

        public YamlSequenceNode? OptionalSeq(string key) => Optional(key) switch
        {
            null => null,
            YamlSequenceNode s => s,
            var other => throw new RoutingConfigException(RoutingConfigParser.Line(other), $"'{key}' must be a list"),
        };

        public YamlSequenceNode RequiredSeq(string key) => OptionalSeq(key) ?? throw new RoutingConfigException(Line, $"{what} needs '{key}'");

        public string? String(string key) => Optional(key) is { } v ? Scalar(v, $"'{key}'") : null;

        public string RequiredString(string key) => String(key) is { Length: > 0 } v ? v : throw new RoutingConfigException(LineOf(key), $"{what} needs a non-empty '{key}'");

        public bool? Bool(string key) => String(key) switch
        {
            null => null,
            "true" => true,
            "false" => false,
            var other => throw new RoutingConfigException(LineOf(key), $"'{key}' must be true or false, not '{other}'"),
        };

        public int? Int(string key) => String(key) switch
        {
            null => null,
            var s when int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) => i,
            var other => throw new RoutingConfigException(LineOf(key), $"'{key}' must be an integer, not '{other}'"),
        };

        public TimeSpan? Duration(string key) => String(key) switch
        {
            null => null,
            var s when Durations.TryParse(s, out var d) => d,
            var other => throw new RoutingConfigException(LineOf(key), $"'{key}' is not a duration: '{other}' (use e.g. 30s, 5m, 4h, 1h30m)"),
        };

        public DateTimeOffset RequiredInstant(string key)
        {
            var s = RequiredString(key);
            return DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
                ? t
                : throw new RoutingConfigException(LineOf(key), $"'{key}' must be an ISO 8601 instant, not '{s}'");
        }
    }
}
