import GlassesFFIBindings

/// How a model file stores its weights (C's `GlassesWeightPrecision`, Kotlin's `WeightPrecision`).
public enum WeightPrecision: String, CaseIterable, Sendable {
    /// The file does not say (not written by glasses' exporter).
    case unknown
    /// 32-bit float weights.
    case float32
    /// 8-bit integer weights, one scale per output channel (the bundled model).
    case int8
}

/// Which model a detector runs and the threshold it applies: Kotlin's `GlassesModelInfo` and C's
/// `GlassesModelInfo`.
public struct GlassesModelInfo: Equatable, Sendable {
    /// Version of the trained weights (the file's `glasses.model_version`; empty when absent).
    public let version: String
    /// Network architecture, e.g. `squeezenet1_1`.
    public let architecture: String
    /// Class names in output order (2 or 3): index 1 is eyeglasses, index 2 (if any) sunglasses.
    public let classes: [String]
    /// Model input width in pixels.
    public let inputWidth: Int
    /// Model input height in pixels.
    public let inputHeight: Int
    /// The decision threshold in force (`options.threshold`).
    public let threshold: Float
    /// The threshold the model file recommends (`glasses.default_threshold`), `nil` when it has
    /// none. It decides when `GlassesOptions.threshold` is `nil` (the default).
    public let modelDefaultThreshold: Float?
    /// How the file stores its weights.
    public let weightPrecision: WeightPrecision

    /// Whether the model tells sunglasses apart (three classes).
    public var hasSunglassesClass: Bool { classes.count == 3 }

    init(_ record: GlassesModelInfoRecord) {
        version = record.modelVersion
        architecture = record.architecture
        classes = record.classNames
        inputWidth = Int(record.inputWidth)
        inputHeight = Int(record.inputHeight)
        threshold = record.threshold
        modelDefaultThreshold = record.modelDefaultThreshold
        switch record.weightPrecision {
        case .unknown: weightPrecision = .unknown
        case .float32: weightPrecision = .float32
        case .int8: weightPrecision = .int8
        }
    }
}

extension GlassesDetector {
    /// Which model this detector runs (version, classes, input size, weight precision), the
    /// threshold in force and the model file's own recommended threshold.
    public var modelInfo: GlassesModelInfo { GlassesModelInfo(classifier.modelInfo()) }
}
