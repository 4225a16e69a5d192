package org.nnpan.pruning;

import java.util.Arrays;
import java.util.List;

/**
 * Panning's hand-designed index weights by stage (method document §3): stage i holds while the scheduled sparsity
 * s_t is in (thresholds[i−1], thresholds[i]], and each stage has its own {@link IndexWeights}. As in the reference
 * code, the stage is state carried through a run: it advances by at most one per step, when s_t exceeds the current
 * stage's upper threshold, so a schedule with few steps may lag behind the table ({@link Cursor}).
 */
public final class StageTable {
    /** The stage boundaries of the paper: s_t = 0.80, 0.90, 0.98, 0.99. */
    private static final double[] PAPER_THRESHOLDS = {0.80, 0.90, 0.98, 0.99};

    private final double[] thresholds;
    private final List<IndexWeights> weights;

    /**
     * @param thresholds strictly increasing sparsities in (0, 1) that end the stages but the last
     * @param weights    one entry per stage: {@code thresholds.length + 1} of them
     * @throws IllegalArgumentException if the thresholds are not increasing sparsities or the counts do not match
     */
    public StageTable(double[] thresholds, List<IndexWeights> weights) {
        if (weights.size() != thresholds.length + 1) {
            throw new IllegalArgumentException(thresholds.length + " thresholds need " + (thresholds.length + 1)
                    + " stages of weights, got " + weights.size());
        }
        for (int i = 0; i < thresholds.length; i++) {
            if (!(thresholds[i] > 0 && thresholds[i] < 1) || i > 0 && !(thresholds[i] > thresholds[i - 1])) {
                throw new IllegalArgumentException("stage thresholds must be strictly increasing sparsities in (0, 1),"
                        + " got " + Arrays.toString(thresholds));
            }
        }
        this.thresholds = thresholds.clone();
        this.weights = List.copyOf(weights);
    }

    /** The additive weights (a SynFlow, b SNIP, c GraSP) of the paper. */
    public static StageTable additiveDefaults() {
        return new StageTable(PAPER_THRESHOLDS, List.of(new IndexWeights(0.2, 0.5, 0.3),
                new IndexWeights(0.2, 0.4, 0.4), new IndexWeights(0.2, 0.3, 0.5), new IndexWeights(0.4, 0.2, 0.4),
                new IndexWeights(0.5, 0.0, 0.5)));
    }

    /** The exponents of the reference code's multiplicative variant. */
    public static StageTable multiplicativeDefaults() {
        return new StageTable(PAPER_THRESHOLDS, List.of(new IndexWeights(0.3, 1.0, 0.2),
                new IndexWeights(0.3, 1.0, 0.4), new IndexWeights(0.5, 0.5, 0.6), new IndexWeights(0.8, 0.0, 1.0),
                new IndexWeights(1.0, 0.0, 1.0)));
    }

    /** The default table of {@code fusion}. */
    public static StageTable defaults(IndexFusion fusion) {
        return switch (fusion) {
            case ADDITIVE -> additiveDefaults();
            case MULTIPLICATIVE -> multiplicativeDefaults();
        };
    }

    /** Number of stages. */
    public int stages() {
        return weights.size();
    }

    /** The weights of 0-based stage {@code stage}. */
    public IndexWeights weights(int stage) {
        return weights.get(stage);
    }

    /** A cursor at stage 0, for one pruning run. */
    public Cursor cursor() {
        return new Cursor();
    }

    /** The stage of one run, moved forward step by step. */
    public final class Cursor {
        private int stage;

        private Cursor() {
        }

        /**
         * Moves to the next stage if {@code sparsity} (this step's scheduled s_t) exceeds the current stage's upper
         * threshold, and returns the weights of the stage now in effect. Never moves more than one stage, and never
         * back.
         */
        public IndexWeights advance(double sparsity) {
            if (stage < thresholds.length && sparsity > thresholds[stage]) {
                stage++;
            }
            return weights.get(stage);
        }

        /** The 0-based stage now in effect. */
        public int stage() {
            return stage;
        }
    }
}
