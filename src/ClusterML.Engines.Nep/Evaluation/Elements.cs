namespace ClusterML.Engines.Nep.Evaluation;

/// <summary>Atomic numbers of the chemical symbols (H … Pu), for the ZBL screened-nuclear repulsion.</summary>
internal static class Elements
{
    private static readonly string[] Symbols =
    [
        "H", "He", "Li", "Be", "B", "C", "N", "O", "F", "Ne", "Na", "Mg", "Al", "Si", "P", "S", "Cl", "Ar", "K", "Ca", "Sc", "Ti", "V", "Cr",
        "Mn", "Fe", "Co", "Ni", "Cu", "Zn", "Ga", "Ge", "As", "Se", "Br", "Kr", "Rb", "Sr", "Y", "Zr", "Nb", "Mo", "Tc", "Ru", "Rh", "Pd",
        "Ag", "Cd", "In", "Sn", "Sb", "Te", "I", "Xe", "Cs", "Ba", "La", "Ce", "Pr", "Nd", "Pm", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er",
        "Tm", "Yb", "Lu", "Hf", "Ta", "W", "Re", "Os", "Ir", "Pt", "Au", "Hg", "Tl", "Pb", "Bi", "Po", "At", "Rn", "Fr", "Ra", "Ac", "Th",
        "Pa", "U", "Np", "Pu",
    ];

    /// <summary>Z of <paramref name="symbol"/>, or 0 when unknown.</summary>
    public static int AtomicNumber(string symbol)
    {
        for (var k = 0; k < Symbols.Length; k++)
        {
            if (string.Equals(Symbols[k], symbol, StringComparison.OrdinalIgnoreCase))
            {
                return k + 1;
            }
        }
        return 0;
    }
}
