using System.Linq.Expressions;
using System.Reflection;
using Monitoring.Contracts;
using Monitoring.DriftDetector.Policies;

namespace Monitoring.Detection;

/// <summary>
/// Drives the DriftDetector's pure core in memory through its entry API only: <c>Detector(PolicyHistory, DetectorState,
/// DetectorLimits?)</c>, <c>Inference</c>, <c>GroundTruth</c>, <c>ReaderFeedback</c>, <c>TakeEmitted()</c>. Those types are internal to
/// the service, and the benchmark must not change the service (nor be granted its internals under another project's name), so
/// they are bound once by name and called through compiled delegates: a rewrite that keeps the entry API source-compatible runs
/// unchanged, and one that does not fails here at start-up with the missing member named.
/// </summary>
internal sealed class DetectorDriver
{
    private static readonly Assembly Service = typeof(PolicyLoader).Assembly;
    private readonly Action<long, InferenceRecorded> inference;
    private readonly Action<long, GroundTruthRecorded, object?> groundTruth;
    private readonly Action<long, ReaderFeedbackRecorded, object?> feedback;
    private readonly Func<IEnumerable<object>> takeEmitted;
    private readonly Func<long, InferenceRecorded, object> joined;

    public DetectorDriver(LoadedPolicy policy)
    {
        var versionType = Type("PolicyVersion");
        var version = Activator.CreateInstance(versionType, policy.Policy.Deployment.Key, 1, 0L, policy.Policy, policy.Profile, policy.Hash)!;
        var versions = Array.CreateInstance(versionType, 1);
        versions.SetValue(version, 0);
        var history = Activator.CreateInstance(Type("PolicyHistory"), [versions])!;
        var state = Activator.CreateInstance(Type("DetectorState"))!;
        var detectorType = Type("Detector");
        var ctor = detectorType.GetConstructors().Single(c => c.GetParameters().Length == 3);
        var detector = ctor.Invoke([history, state, null]);
        var target = Expression.Constant(detector, detectorType);
        var joinedType = Type("JoinedInference");

        var seq = Expression.Parameter(typeof(long), "sequence");
        var inf = Expression.Parameter(typeof(InferenceRecorded), "e");
        inference = Expression.Lambda<Action<long, InferenceRecorded>>(Expression.Call(target, Method(detectorType, "Inference"), seq, inf), seq, inf).Compile();

        var join = Expression.Parameter(typeof(object), "joined");
        var gt = Expression.Parameter(typeof(GroundTruthRecorded), "g");
        groundTruth = Expression.Lambda<Action<long, GroundTruthRecorded, object?>>(
            Expression.Call(target, Method(detectorType, "GroundTruth"), seq, gt, Expression.Convert(join, joinedType)), seq, gt, join).Compile();
        var fb = Expression.Parameter(typeof(ReaderFeedbackRecorded), "f");
        feedback = Expression.Lambda<Action<long, ReaderFeedbackRecorded, object?>>(
            Expression.Call(target, Method(detectorType, "ReaderFeedback"), seq, fb, Expression.Convert(join, joinedType)), seq, fb, join).Compile();
        takeEmitted = Expression.Lambda<Func<IEnumerable<object>>>(
            Expression.Convert(Expression.Call(target, Method(detectorType, "TakeEmitted")), typeof(IEnumerable<object>))).Compile();
        var joinedCtor = joinedType.GetConstructor([typeof(long), typeof(InferenceRecorded)])
            ?? throw new MissingMemberException(joinedType.FullName, ".ctor(long, InferenceRecorded)");
        joined = Expression.Lambda<Func<long, InferenceRecorded, object>>(Expression.Convert(Expression.New(joinedCtor, seq, inf), typeof(object)), seq, inf).Compile();
    }

    /// <summary>The store's record of an inference, as the detector's join passes it with a late event.</summary>
    public object Joined(long sequence, InferenceRecorded e) => joined(sequence, e);

    public void Inference(long sequence, InferenceRecorded e) => inference(sequence, e);

    public void GroundTruth(long sequence, GroundTruthRecorded g, object? joinedInference) => groundTruth(sequence, g, joinedInference);

    public void ReaderFeedback(long sequence, ReaderFeedbackRecorded f, object? joinedInference) => feedback(sequence, f, joinedInference);

    public IEnumerable<object> TakeEmitted() => takeEmitted();

    private static Type Type(string name) =>
        Service.GetType("Monitoring.DriftDetector.Detection." + name) ?? throw new TypeLoadException($"Monitoring.DriftDetector.Detection.{name} not found in {Service.GetName().Name}.");

    private static MethodInfo Method(Type type, string name) =>
        type.GetMethod(name, BindingFlags.Public | BindingFlags.Instance) ?? throw new MissingMethodException(type.FullName, name);
}
