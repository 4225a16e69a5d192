package org.nnpan.pruning;

/**
 * How much each of Panning's three indices counts at one step (method document §3): the coefficients a, b, c of the
 * additive combination a·ŝ_SynFlow + b·ŝ_SNIP + c·ŝ_GraSP, or the exponents of the multiplicative one.
 *
 * @param synflow weight of the SynFlow index, finite and ≥ 0
 * @param snip    weight of the SNIP index, finite and ≥ 0
 * @param grasp   weight of the GraSP index, finite and ≥ 0
 */
public record IndexWeights(double synflow, double snip, double grasp) {

    public IndexWeights {
        if (!(valid(synflow) && valid(snip) && valid(grasp))) {
            throw new IllegalArgumentException("index weights must be finite and non-negative, got " + synflow + ", "
                    + snip + ", " + grasp);
        }
    }

    private static boolean valid(double w) {
        return w >= 0 && Double.isFinite(w);
    }
}
