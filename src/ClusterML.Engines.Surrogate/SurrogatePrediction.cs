namespace ClusterML.Engines.Surrogate;

/// <summary>
/// Ensemble predictions in the target's raw units: the members' mean, their standard deviation (0 for one member),
/// the out-of-domain flag, and each member's prediction (<see cref="Members"/>[member][row]).
/// </summary>
public sealed record SurrogatePrediction(double[] Mean, double[] Std, bool[] OutOfDomain, double[][] Members);
