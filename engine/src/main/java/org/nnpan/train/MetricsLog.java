package org.nnpan.train;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/** {@code metrics.jsonl}: one {@link EpochMetrics} JSON object per line, appended after every epoch. */
final class MetricsLog {
    private final Path file;

    MetricsLog(Path file) {
        this.file = file;
    }

    /** Starts an empty log, replacing any old one. */
    void reset() throws IOException {
        Files.write(file, new byte[0]);
    }

    /**
     * The logged epochs up to {@code completedEpochs}, rewriting the file to hold exactly those: a run that stopped
     * after logging an epoch but before its checkpoint repeats that epoch, and must not log it twice.
     */
    List<EpochMetrics> truncateTo(int completedEpochs) throws IOException {
        List<EpochMetrics> kept = new ArrayList<>();
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    EpochMetrics m = Json.MAPPER.readValue(line, EpochMetrics.class);
                    if (m.epoch() <= completedEpochs) {
                        kept.add(m);
                    }
                }
            }
        }
        reset();
        for (EpochMetrics m : kept) {
            append(m);
        }
        return kept;
    }

    /** Appends one line. */
    void append(EpochMetrics m) throws IOException {
        String line = Json.MAPPER.writeValueAsString(m) + "\n";
        Files.writeString(file, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
}
