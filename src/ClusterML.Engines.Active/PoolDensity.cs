using ClusterML.Engines.Surrogate;

namespace ClusterML.Engines.Active;

/// <summary>
/// How densely the pool populates the neighbourhood of a candidate (information density, Settles and Craven 2008): the
/// inverse of the mean distance to its <see cref="Neighbours"/> nearest members of a reference sample of the pool (every
/// (N/<see cref="SampleSize"/>)-th candidate), in the surrogate's standardised input space, scaled to at most 1 over that
/// sample. Weighting an acquisition score by density^β (<c>density: β</c>) keeps uncertainty sampling from spending its
/// calls on the sparse rim of the pool, where the ensemble disagrees most but few candidates (and test points) lie.
/// </summary>
internal sealed class PoolDensity
{
    public const int SampleSize = 2000, Neighbours = 10;

    private readonly double[][] _reference;
    private readonly SurrogateModel _model;
    private readonly double _scale;

    private PoolDensity(double[][] reference, SurrogateModel model)
    {
        (_reference, _model) = (reference, model);
        _scale = 1;
        _scale = 1 / reference.Max(Raw);
    }

    public static PoolDensity Of(CandidatePool pool, SurrogateModel model, CancellationToken cancellationToken)
    {
        var count = (int)Math.Min(SampleSize, pool.Count);
        var step = pool.Count / (double)count;
        var rows = new double[count][];
        for (var i = 0; i < count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            rows[i] = pool.Read((long)(i * step), 1)[0];
        }
        return new PoolDensity(model.Standardise(rows), model);
    }

    /// <summary>The density at a raw candidate, in (0, 1] for the reference sample's own points.</summary>
    public double At(double[] raw) => _scale * Raw(_model.Standardise([raw])[0]);

    private double Raw(double[] point)
    {
        var nearest = new double[Math.Min(Neighbours, _reference.Length)];
        Array.Fill(nearest, double.PositiveInfinity);
        foreach (var other in _reference)
        {
            var d = BatchSelection.SquaredDistance(point, other);
            if (d < nearest[^1])
            {
                var at = nearest.Length - 1;
                while (at > 0 && nearest[at - 1] > d)
                {
                    nearest[at] = nearest[at - 1];
                    at--;
                }
                nearest[at] = d;
            }
        }
        return 1 / (1e-9 + nearest.Average(Math.Sqrt));
    }
}
