package org.nnpan.cli;

import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.nnpan.optim.LrSchedule;
import org.nnpan.optim.Optimizers;
import org.nnpan.train.KeptWeightRescale;
import org.nnpan.train.TrainConfig;
import picocli.CommandLine.Option;

/**
 * The training recipe's options, shared by {@code train} and {@code run}; each one left out keeps the value of the
 * config it is applied to ({@link #over}).
 */
final class TrainOptions {
    @Option(names = "--epochs", paramLabel = "N", description = "Epochs to train (default: 80 MNIST-like, 180 otherwise).")
    private Integer epochs;

    @Option(names = "--batch-size", paramLabel = "N", description = "Batch size (default: 256 MNIST-like, 128 otherwise).")
    private Integer batchSize;

    @Option(names = "--optimizer", paramLabel = "NAME", completionCandidates = OptimizerNames.class,
            description = "Optimizer: ${COMPLETION-CANDIDATES} (default: sgd).")
    private String optimizer;

    @Option(names = "--lr", paramLabel = "RATE", description = "Base learning rate (default: 0.1).")
    private Double lr;

    @Option(names = "--momentum", paramLabel = "M", description = "SGD momentum (default: 0.9).")
    private Double momentum;

    @Option(names = "--nesterov", description = "Nesterov momentum (SGD).")
    private Boolean nesterov;

    @Option(names = "--weight-decay", paramLabel = "WD", description = "Weight decay (default: 1e-4 MNIST-like, 5e-4 otherwise).")
    private Double weightDecay;

    @Option(names = "--schedule", paramLabel = "NAME", completionCandidates = ScheduleNames.class,
            description = "Learning-rate schedule, stepped per epoch: ${COMPLETION-CANDIDATES} (default: cosine).")
    private String schedule;

    @Option(names = "--milestones", paramLabel = "EPOCH", split = ",",
            description = "Epochs where multistep multiplies the rate by --gamma (default: half and three quarters of --epochs).")
    private List<Integer> milestones;

    @Option(names = "--gamma", paramLabel = "G", description = "Multistep factor (default: 0.1).")
    private Double gamma;

    @Option(names = "--warmup-epochs", paramLabel = "N", description = "Linear warm-up over the first N epochs, per step (default: 0).")
    private Integer warmupEpochs;

    @Option(names = "--augment", negatable = true,
            description = "Random crop (padding 4) and horizontal flip (default: on for CIFAR, off otherwise).")
    private Boolean augment;

    @Option(names = "--rescale-kept", paramLabel = "NAME", completionCandidates = RescaleNames.class,
            description = "Before training a pruned network: ${COMPLETION-CANDIDATES}. fan-in multiplies each unit's"
                    + " kept incoming weights by sqrt(fan-in / kept fan-in), so it starts with the dense layer's"
                    + " signal scale (pruned weights stay zero; a dense network is unchanged). Off by default, as in"
                    + " the paper's protocol; see docs/results/stuck-at-chance.md (default: none).")
    private String rescaleKept;

    @Option(names = "--threads", paramLabel = "N", description = "Intra-op threads (default: all processors).")
    private Integer threads;

    @Option(names = "--limit-train", paramLabel = "N", description = "Train on the first N training images only.")
    private Integer limitTrain;

    @Option(names = "--limit-test", paramLabel = "N", description = "Evaluate on the first N test images only.")
    private Integer limitTest;

    /**
     * {@code base} with the options given here.
     *
     * @throws IllegalArgumentException naming the first invalid value
     */
    TrainConfig over(TrainConfig base) {
        String opt = optimizer == null ? base.optimizer() : optimizer.toLowerCase(Locale.ROOT);
        boolean sgd = opt.equals("sgd");
        if (!sgd && (momentum != null || nesterov != null)) {
            throw new IllegalArgumentException("--momentum and --nesterov apply to --optimizer sgd only");
        }
        return new TrainConfig(base.model(), base.dataset(), base.dataDir(), base.inputSize(), base.widthMultiplier(),
                base.init(), base.seed(), or(threads, base.threads()), or(epochs, base.epochs()),
                or(batchSize, base.batchSize()), opt, or(lr, base.lr()), sgd ? or(momentum, base.momentum()) : 0,
                or(weightDecay, base.weightDecay()), sgd && or(nesterov, base.nesterov()),
                schedule == null ? base.schedule() : schedule.toLowerCase(Locale.ROOT),
                or(milestones, base.milestones()), or(gamma, base.gamma()), or(warmupEpochs, base.warmupEpochs()),
                or(augment, base.augment()), or(limitTrain, base.limitTrain()), or(limitTest, base.limitTest()),
                rescaleKept == null ? base.rescaleKept() : rescaleKept.toLowerCase(Locale.ROOT));
    }

    private static <T> T or(T given, T fallback) {
        return given != null ? given : fallback;
    }

    /** Completion candidates: the optimizers. */
    static final class OptimizerNames implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Optimizers.NAMES.iterator();
        }
    }

    /** Completion candidates: the rescales of the kept weights. */
    static final class RescaleNames implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return KeptWeightRescale.NAMES.iterator();
        }
    }

    /** Completion candidates: the schedules. */
    static final class ScheduleNames implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return LrSchedule.NAMES.iterator();
        }
    }
}
