using ClusterML.Core.Engines;

namespace ClusterML.Engines.Nep.Training.Sharding;

/// <summary>What every sharded trainer does with its shards' answers: add them in shard order, and compute a lost step again.</summary>
public static class NepShardSteps
{
    /// <summary>How many times a step is computed again after shards were lost before the fit gives up.</summary>
    public const int MaxStepAttempts = 20;

    /// <summary>
    /// Runs <paramref name="step"/> again while shards are lost (a worker died, a shard moved), up to <see cref="MaxStepAttempts"/>
    /// times: the same inputs to the same shards give the same bits.
    /// </summary>
    public static async Task<T> RetryAsync<T>(Func<Task<T>> step)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await step().ConfigureAwait(false);
            }
            catch (ShardStepLostException) when (attempt < MaxStepAttempts)
            {
            }
        }
    }

    /// <summary>Element-wise sum of the partials in the order given (shard order), in float64.</summary>
    public static double[] Reduce(IReadOnlyList<ShardPartial> partials, int length)
    {
        var total = new double[length];
        foreach (var partial in partials)
        {
            if (partial.Values.Length != length)
            {
                throw new InvalidDataException($"shard {partial.Shard} returned {partial.Values.Length} values, not {length}");
            }
            for (var k = 0; k < length; k++)
            {
                total[k] += partial.Values[k];
            }
        }
        return total;
    }
}
