using ClusterML.Engines.Nep.Model;

namespace ClusterML.Engines.Nep.Active;

/// <summary>The outcome of <see cref="NepActiveLearning.Run"/>: one record per round, the final committee and the labelled pool indices in the order they were labelled.</summary>
public sealed record NepActiveRun(IReadOnlyList<NepActiveRound> Rounds, IReadOnlyList<NepModel> Committee, IReadOnlyList<int> Labelled);
