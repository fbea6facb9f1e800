using Prometheus;

namespace Monitoring.AlertRouter;

/// <summary>Prometheus metrics of the AlertRouter.</summary>
public static class AlertMetrics
{
    private static readonly double[] HumanBuckets = Histogram.ExponentialBuckets(15, 2, 14); // 15 s .. ~34 h

    public static readonly Gauge OpenAlerts = Metrics.CreateGauge(
        "alertrouter_open_alerts", "Unresolved alerts by severity and state.", "severity", "state", "clinical_safety");

    public static readonly Histogram TimeToAcknowledge = Metrics.CreateHistogram(
        "alertrouter_time_to_acknowledge_seconds", "From alert raised to first acknowledgement.",
        new HistogramConfiguration { LabelNames = ["severity"], Buckets = HumanBuckets });

    public static readonly Histogram TimeToDecision = Metrics.CreateHistogram(
        "alertrouter_time_to_decision_seconds", "From alert raised to the oversight decision.",
        new HistogramConfiguration { LabelNames = ["decision"], Buckets = HumanBuckets });

    public static readonly Counter Notifications = Metrics.CreateCounter(
        "alertrouter_notifications_total", "Delivery outcomes by receiver: sent, failed (an attempt), gave_up (all attempts), muted.",
        "receiver", "kind", "outcome");

    public static readonly Counter Escalations = Metrics.CreateCounter(
        "alertrouter_escalations_total", "Escalations by level and reason.", "level", "reason");

    public static readonly Counter ConfigRejected = Metrics.CreateCounter(
        "alertrouter_routing_config_rejected_total", "Routing files refused (the previous configuration stayed in force).");

    public static readonly Histogram FirstNotificationLatency = Metrics.CreateHistogram(
        "alertrouter_first_notification_seconds", "From alert raised to its first successful notification.",
        new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.01, 2, 16) });
}
