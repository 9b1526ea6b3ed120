using System.Collections.Immutable;

namespace ClusterML.Core.Campaigns;

/// <summary>
/// A campaign: a sweep of one engine's settings (<c>config/campaigns/README.md</c> documents the YAML). <see cref="Base"/>
/// holds the settings shared by every trial, <see cref="Space"/> the hyperparameters that vary (each overrides the base
/// setting of the same name). <see cref="SourcePath"/> is the YAML's full path; relative paths in settings are relative to
/// its folder. Immutable.
/// </summary>
public sealed record CampaignSpec(
    string Name,
    string Engine,
    int Seed,
    string Device,
    ImmutableDictionary<string, CampaignValue> Base,
    ImmutableArray<ParameterSpace> Space,
    SearchSpec Search,
    BudgetSpec Budget,
    EarlyStoppingSpec? EarlyStopping,
    int Retries,
    string SourcePath);
