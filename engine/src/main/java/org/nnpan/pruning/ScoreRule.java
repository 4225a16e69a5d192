package org.nnpan.pruning;

/** How raw saliency scores become a ranking in which higher is kept. */
public enum ScoreRule {
    /** The raw score as it is (random noise, magnitude). */
    RAW,
    /** |s|: classic SNIP, SynFlow, FORCE, and Panning's use of every index. */
    ABSOLUTE,
    /** −s: the original GraSP, which prunes the highest θ⊙Hg. */
    NEGATED;

    /** What is ranked, for reports: {@code s}, {@code |s|} or {@code -s} with {@code name} for s. */
    public String formula(String name) {
        return switch (this) {
            case RAW -> name;
            case ABSOLUTE -> "|" + name + "|";
            case NEGATED -> "-" + name;
        };
    }

    /** The scores to rank, in the current scope ({@code raw} itself for {@link #RAW}). */
    public Scores apply(Scores raw) {
        return switch (this) {
            case RAW -> raw;
            case ABSOLUTE -> raw.map(s -> s.abs());
            case NEGATED -> raw.map(s -> s.neg());
        };
    }
}
