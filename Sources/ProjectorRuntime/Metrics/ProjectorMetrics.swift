public import Prometheus
import Synchronization

/// Every metric projector exports, registered once per process in one Prometheus registry.
///
/// Handles are created once per projection and cached: hot paths never look metrics up
/// by name. Labels are low-cardinality only (projection, kind, state), never a document key.
public final class ProjectorMetrics: Sendable {
    /// The registry `/metrics` renders.
    public let registry: PrometheusCollectorRegistry
    private let perProjection = Mutex<[String: ProjectionMetrics]>([:])

    /// Seconds the watermark has stood still while committed events exist above it
    /// (a long-running or idle-in-transaction session somewhere in the cluster).
    public let watermarkStallSeconds: Gauge
    /// `projector_store_retries_total{store="opensearch"}`: requests or bulk items OpenSearch got again after a
    /// transient failure (connection error, timeout, 429, 5xx).
    public let openSearchRetries: Counter
    /// `projector_store_retries_total{store="dynamodb"}`: requests or unprocessed keys DynamoDB got again after a
    /// transient failure (connection error, throttling, 5xx).
    public let dynamoDBRetries: Counter

    /// Registers the process-wide `projector_watermark_stall_seconds` gauge and the store retry counters in
    /// `registry` (a fresh one by default); per-projection handles are made by ``projection(_:)``.
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        self.watermarkStallSeconds = registry.makeGauge(
            descriptor: .projector("watermark_stall", "seconds", "Seconds the read watermark has been held back")
        )
        let retries = MetricNameDescriptor.projector(
            "store_retries", "total", "Requests re-sent to a view store after a transient failure")
        self.openSearchRetries = registry.makeCounter(descriptor: retries, labels: [("store", "opensearch")])
        self.dynamoDBRetries = registry.makeCounter(descriptor: retries, labels: [("store", "dynamodb")])
    }

    /// The handles of one projection, created on first use.
    public func projection(_ name: String) -> ProjectionMetrics {
        perProjection.withLock { cache in
            if let existing = cache[name] { return existing }
            let created = ProjectionMetrics(registry: registry, projection: name)
            cache[name] = created
            return created
        }
    }

    /// Prometheus text exposition format.
    public func render() -> [UInt8] {
        registry.emitToBuffer()
    }
}

/// The metric handles of one projection.
public struct ProjectionMetrics: Sendable {
    /// Kinds of sink failures counted in `projector_sink_errors_total{kind}`.
    public enum SinkErrorKind: String, Sendable, CaseIterable {
        /// Conditional writes that found the document changed (each is re-read and re-folded).
        case conflict
        /// Documents the store refused for good.
        case rejected
        /// A batch that failed because the store stayed unreachable past its retry budget.
        case unavailable
    }

    /// `projector_events_total`: events processed, applied or skipped as duplicates.
    public let eventsProcessed: Counter
    /// `projector_batches_total`: batches committed.
    public let batches: Counter
    /// `projector_batch_duration_seconds`: time from reading a batch to its checkpoint.
    public let batchDuration: DurationHistogram
    /// `projector_lag_events`: committed events below the watermark not yet projected.
    public let lagEvents: Gauge
    /// `projector_lag_seconds`: age of the oldest event not yet projected.
    public let lagSeconds: Gauge
    /// `projector_refolds_total`: documents re-folded from the log after a late event.
    public let refolds: Counter
    /// `projector_dead_letters_total`: events recorded in the dead letter table.
    public let deadLetters: Counter
    private let sinkErrors: [SinkErrorKind: Counter]
    private let stateGauges: [ProjectionState: Gauge]

    init(registry: PrometheusCollectorRegistry, projection: String) {
        let label = [("projection", projection)]
        eventsProcessed = registry.makeCounter(
            descriptor: .projector("events", "total", "Events processed (applied or skipped as duplicates)"),
            labels: label
        )
        batches = registry.makeCounter(
            descriptor: .projector("batches", "total", "Batches committed"),
            labels: label
        )
        batchDuration = registry.makeDurationHistogram(
            descriptor: .projector("batch_duration", "seconds", "Time from reading a batch to its checkpoint"),
            labels: label,
            buckets: [
                .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
                .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500),
                .seconds(5), .seconds(10),
            ]
        )
        lagEvents = registry.makeGauge(
            descriptor: .projector("lag", "events", "Committed events below the watermark not yet projected"),
            labels: label
        )
        lagSeconds = registry.makeGauge(
            descriptor: .projector("lag", "seconds", "Age of the oldest event not yet projected"),
            labels: label
        )
        refolds = registry.makeCounter(
            descriptor: .projector("refolds", "total", "Documents re-folded from the log after a late event"),
            labels: label
        )
        deadLetters = registry.makeCounter(
            descriptor: .projector("dead_letters", "total", "Events recorded in the dead letter table"),
            labels: label
        )
        var errors: [SinkErrorKind: Counter] = [:]
        for kind in SinkErrorKind.allCases {
            errors[kind] = registry.makeCounter(
                descriptor: .projector("sink_errors", "total", "View store errors by kind"),
                labels: [("projection", projection), ("kind", kind.rawValue)]
            )
        }
        sinkErrors = errors
        var states: [ProjectionState: Gauge] = [:]
        for state in ProjectionState.allCases {
            states[state] = registry.makeGauge(
                descriptor: .projector("projection_state", "", "1 for the state the projection is in here"),
                labels: [("projection", projection), ("state", state.rawValue)]
            )
        }
        stateGauges = states
    }

    /// Counts a sink error of `kind`.
    public func sinkError(_ kind: SinkErrorKind, count: Int = 1) {
        sinkErrors[kind]?.increment(by: Int64(count))
    }

    /// Sets the state gauge: 1 for `state`, 0 for all others.
    public func setState(_ state: ProjectionState) {
        for (candidate, gauge) in stateGauges { gauge.set(to: candidate == state ? 1.0 : 0.0) }
    }
}

extension MetricNameDescriptor {
    /// `projector_<name>_<unit>` with its help text.
    static func projector(_ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "projector", metricName: name, unitName: unit, helpText: help)
    }
}
