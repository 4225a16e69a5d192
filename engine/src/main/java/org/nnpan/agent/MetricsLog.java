package org.nnpan.agent;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code metrics.jsonl}: one JSON object per line for every episode and evaluation, each with its {@code step}. */
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
     * Keeps the lines up to environment step {@code step}: a run that stopped after logging an episode but before
     * its checkpoint repeats that episode when resumed, and must not log it twice.
     */
    void truncateTo(long step) throws IOException {
        List<String> kept = new ArrayList<>();
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                JsonNode node = line.isBlank() ? null : Json.MAPPER.readTree(line);
                if (node != null && node.path("step").asLong() <= step) {
                    kept.add(line + "\n");
                }
            }
        }
        Files.writeString(file, String.join("", kept), StandardCharsets.UTF_8);
    }

    /** Appends one line. */
    void append(Map<String, Object> record) throws IOException {
        Files.writeString(file, Json.MAPPER.writeValueAsString(record) + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
}
