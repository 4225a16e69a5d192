package org.nnpan.io;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/** The JSON conventions of every file nnpan writes (configs, reports, sidecars): snake_case names. */
public final class Json {
    /** The shared mapper (snake_case property names). */
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
    private static final ObjectMapper PRETTY = MAPPER.copy().enable(SerializationFeature.INDENT_OUTPUT);

    private Json() {
    }

    /** Writes {@code value} as an indented document, replacing {@code file} atomically ({@link AtomicFiles}). */
    public static void write(Path file, Object value) throws IOException {
        AtomicFiles.writeString(file, PRETTY.writeValueAsString(value) + "\n");
    }

    /** Reads a JSON object. */
    public static Map<String, Object> readMap(Path file) throws IOException {
        return MAPPER.readValue(file.toFile(), new TypeReference<>() {
        });
    }

    /** Converts a value read by {@link #readMap} (or any object) to {@code type}. */
    public static <T> T convert(Object value, Class<T> type) {
        return MAPPER.convertValue(value, type);
    }
}
