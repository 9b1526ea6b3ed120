namespace ClusterML.Oracles;

/// <summary>Direction of heat flow in a film; the numeric values are the thin-film oracle's <c>direction</c> codes.</summary>
public enum FilmDirection
{
    /// <summary>Along the film (code 0): boundaries suppress conduction as in Fuchs–Sondheimer.</summary>
    InPlane = 0,

    /// <summary>Through the film (code 1): boundaries suppress conduction as in Majumdar's grey formula.</summary>
    CrossPlane = 1,
}
