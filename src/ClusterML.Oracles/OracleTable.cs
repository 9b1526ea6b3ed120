namespace ClusterML.Oracles;

/// <summary>A generated data set: the column names (an oracle's inputs, then its outputs) and one array per row in that order.</summary>
public sealed record OracleTable(IReadOnlyList<string> Columns, double[][] Rows);
