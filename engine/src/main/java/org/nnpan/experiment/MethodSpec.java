package org.nnpan.experiment;

/**
 * A pruning method as {@code --method} and {@code compare --methods} name it: a method name, optionally followed by
 * {@value #SHUFFLE} for the layer-wise shuffle of that method's final mask (e.g. {@code panning+shuffle}), so that one
 * sweep can hold a method and its shuffled control side by side.
 *
 * @param method  the method's name ({@link PruneSettings#method()})
 * @param shuffle whether the final mask is shuffled within each layer ({@link PruneSettings#shuffle()})
 */
public record MethodSpec(String method, boolean shuffle) {
    /** The suffix that asks for the layer-wise shuffle. */
    public static final String SHUFFLE = "+shuffle";

    /** {@code "panning+shuffle"} → (panning, shuffled); {@code "panning"} → (panning, not shuffled). */
    public static MethodSpec parse(String token) {
        return token.endsWith(SHUFFLE)
                ? new MethodSpec(token.substring(0, token.length() - SHUFFLE.length()), true)
                : new MethodSpec(token, false);
    }

    /** The name a sweep gives the cells and table rows of this method: {@code panning+shuffle}, or {@code panning}. */
    public String label() {
        return method + (shuffle ? SHUFFLE : "");
    }
}
