package org.nnpan.io;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** A {@code .jsonl} log: one JSON object per line, appended as a run goes (e.g. {@code metrics.jsonl}). */
public final class JsonLines {
    private final Path file;

    public JsonLines(Path file) {
        this.file = file;
    }

    /** Starts an empty log, replacing any old one. */
    public void reset() throws IOException {
        Files.write(file, new byte[0]);
    }

    /** Appends {@code record} as one line. */
    public void append(Object record) throws IOException {
        Files.writeString(file, Json.MAPPER.writeValueAsString(record) + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /**
     * Keeps only the lines {@code keep} accepts and returns them: a resumed run drops what it logged after its last
     * checkpoint, since it will do that work (and log it) again.
     */
    public List<JsonNode> truncate(Predicate<JsonNode> keep) throws IOException {
        List<JsonNode> kept = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    JsonNode node = Json.MAPPER.readTree(line);
                    if (keep.test(node)) {
                        kept.add(node);
                        text.append(line).append('\n');
                    }
                }
            }
        }
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return kept;
    }
}
