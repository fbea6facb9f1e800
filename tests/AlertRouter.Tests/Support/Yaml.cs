namespace Monitoring.AlertRouter.Tests.Support;

/// <summary>Routing files used by the integration tests.</summary>
public static class Yaml
{
    /// <summary>Three escalation levels of 10 minutes, each paging its own webhook path; decisions due within 1 hour.</summary>
    public static string Escalation(WebhookListener listener) => $$"""
        route:
          receiver: team
          group_by: ['...']
          group_wait: 0s
          escalation_policy: standard
        receivers:
          - name: team
            webhook_configs: [{ url: "{{listener.Url("/team")}}" }]
          - name: level1
            webhook_configs: [{ url: "{{listener.Url("/level1")}}" }]
          - name: level2
            webhook_configs: [{ url: "{{listener.Url("/level2")}}" }]
          - name: level3
            webhook_configs: [{ url: "{{listener.Url("/level3")}}" }]
        escalation_policies:
          - name: standard
            levels:
              - { receivers: [level1], timeout: 10m }
              - { receivers: [level2], timeout: 10m }
              - { receivers: [level3], timeout: 10m }
        clinical_safety:
          decision_deadline: 1h
        """;
}
