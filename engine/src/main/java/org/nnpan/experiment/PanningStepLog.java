package org.nnpan.experiment;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import org.nnpan.io.Json;
import org.nnpan.pruning.Mask;
import org.nnpan.pruning.Panning;
import org.nnpan.pruning.PanningStep;

/**
 * {@code panning-steps.jsonl}: one {@link PanningStep} JSON object per line (snake_case, as the run directory's other
 * files), appended after every step, plus a progress line on the console about ten times per run.
 */
public final class PanningStepLog implements Panning.StepListener {
    /** The file's name in the run directory. */
    public static final String FILE_NAME = "panning-steps.jsonl";

    private final Path file;
    private final PrintWriter console;

    /** Starts an empty log in {@code directory}, replacing any old one. */
    public PanningStepLog(Path directory, PrintWriter console) throws IOException {
        this.file = directory.resolve(FILE_NAME);
        this.console = console;
        Files.write(file, new byte[0]);
    }

    @Override
    public void afterStep(PanningStep step, Mask mask) {
        try {
            Files.writeString(file, Json.MAPPER.writeValueAsString(step) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int every = Math.max(1, step.steps() / 10);
        if ((step.step() + 1) % every == 0 || step.step() == step.steps() - 1) {
            console.printf(Locale.ROOT, "step %d/%d: sparsity %.4f (effective %.4f), stage %d, loss %.4f (sub %.4f)%n",
                    step.step() + 1, step.steps(), step.scheduledSparsity(),
                    step.observation().effectiveSparsity(), step.stage(), step.observation().loss(),
                    step.observation().subLoss());
        }
    }
}
