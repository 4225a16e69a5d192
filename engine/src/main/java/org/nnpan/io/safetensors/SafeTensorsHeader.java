package org.nnpan.io.safetensors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Map.Entry;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The JSON header of a safetensors file: decoded and checked against the data buffer on read, encoded
 * on write.
 *
 * @param tensors  where each tensor lies, sorted by data offset
 * @param metadata the {@code "__metadata__"} strings, in header order
 */
record SafeTensorsHeader(List<TensorEntry> tensors, Map<String, String> metadata) {
    /** The header key that holds metadata rather than a tensor. */
    static final String METADATA_KEY = "__metadata__";
    /** Longest header accepted, as in the reference reader, so a corrupt length cannot exhaust memory. */
    static final long MAX_HEADER_BYTES = 100_000_000;
    /** Writers pad the header so that tensor data starts 8-byte aligned. */
    static final int ALIGNMENT = 8;

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /**
     * One tensor as the header declares it.
     *
     * @param begin offset of its first byte in the data buffer
     * @param end   offset one past its last byte
     */
    record TensorEntry(String name, SafeDType dtype, long[] shape, long begin, long end) {
    }

    /**
     * Decodes {@code json} and checks it describes a data buffer of {@code dataBytes} bytes.
     *
     * @param file names the file in error messages
     */
    static SafeTensorsHeader decode(Path file, byte[] json, long dataBytes) throws SafeTensorsFormatException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(json)).toString();
        } catch (CharacterCodingException e) {
            throw new SafeTensorsFormatException(file, "header is not valid UTF-8", e);
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new SafeTensorsFormatException(file, "header is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new SafeTensorsFormatException(file, "header is not a JSON object");
        }
        Map<String, String> metadata = Map.of();
        List<TensorEntry> tensors = new ArrayList<>();
        for (Entry<String, JsonNode> field : root.properties()) {
            if (field.getKey().equals(METADATA_KEY)) {
                metadata = decodeMetadata(file, field.getValue());
            } else {
                tensors.add(decodeTensor(file, field.getKey(), field.getValue()));
            }
        }
        // The format leaves key order open; sorting by offset gives a stable order and lets one pass
        // check that the tensors tile the buffer. List.sort is stable, so zero-size ties keep header order.
        tensors.sort(Comparator.comparingLong(TensorEntry::begin).thenComparingLong(TensorEntry::end));
        checkTiling(file, tensors, dataBytes);
        return new SafeTensorsHeader(List.copyOf(tensors), metadata);
    }

    /**
     * The header bytes for {@code tensors} laid out in order and {@code metadata} (written with sorted
     * keys so equal inputs give equal files; omitted when empty), padded with spaces to a multiple of 8.
     *
     * @throws IllegalArgumentException on a duplicate tensor name or one equal to {@code "__metadata__"}
     */
    static byte[] encode(List<SafeTensor> tensors, Map<String, String> metadata) throws JsonProcessingException {
        ObjectNode root = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode metadataNode = root.putObject(METADATA_KEY);
            new TreeMap<>(metadata).forEach(metadataNode::put);
        }
        long offset = 0;
        for (SafeTensor tensor : tensors) {
            if (tensor.name().equals(METADATA_KEY)) {
                throw new IllegalArgumentException("tensor name '" + METADATA_KEY + "' is reserved for metadata");
            }
            if (root.has(tensor.name())) {
                throw new IllegalArgumentException("duplicate tensor name '" + tensor.name() + "'");
            }
            ObjectNode entry = root.putObject(tensor.name());
            entry.put("dtype", tensor.dtype().formatName());
            ArrayNode shape = entry.putArray("shape");
            for (long d : tensor.shape()) {
                shape.add(d);
            }
            long end = offset + tensor.data().byteSize();
            entry.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] json = JSON.writeValueAsBytes(root);
        byte[] padded = Arrays.copyOf(json, Math.ceilDiv(json.length, ALIGNMENT) * ALIGNMENT);
        Arrays.fill(padded, json.length, padded.length, (byte) ' ');
        return padded;
    }

    private static Map<String, String> decodeMetadata(Path file, JsonNode node) throws SafeTensorsFormatException {
        if (!node.isObject()) {
            throw new SafeTensorsFormatException(file, "'" + METADATA_KEY + "' is not a JSON object");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Entry<String, JsonNode> field : node.properties()) {
            if (!field.getValue().isTextual()) {
                throw new SafeTensorsFormatException(file, "'%s' value of '%s' is not a string: %s"
                        .formatted(METADATA_KEY, field.getKey(), field.getValue()));
            }
            metadata.put(field.getKey(), field.getValue().textValue());
        }
        return Collections.unmodifiableMap(metadata);
    }

    private static TensorEntry decodeTensor(Path file, String name, JsonNode node) throws SafeTensorsFormatException {
        if (!node.isObject()) {
            throw tensorError(file, name, "entry is not a JSON object: " + node);
        }
        JsonNode dtypeNode = requiredField(file, name, node, "dtype");
        SafeDType dtype = SafeDType.fromFormatName(dtypeNode.isTextual() ? dtypeNode.textValue() : "")
                .orElseThrow(() -> tensorError(file, name, "unknown dtype %s (supported: %s)"
                        .formatted(dtypeNode, Arrays.toString(SafeDType.values()))));
        long[] shape = nonNegativeLongs(requiredField(file, name, node, "shape"), -1)
                .orElseThrow(() -> tensorError(file, name,
                        "shape is not an array of non-negative integers: " + node.get("shape")));
        long[] offsets = nonNegativeLongs(requiredField(file, name, node, "data_offsets"), 2)
                .orElseThrow(() -> tensorError(file, name,
                        "data_offsets is not two non-negative integers: " + node.get("data_offsets")));
        if (offsets[1] < offsets[0]) {
            throw tensorError(file, name, "data_offsets %s end before they begin".formatted(Arrays.toString(offsets)));
        }
        long needed;
        try {
            needed = SafeTensor.byteSize(name, dtype, shape);
        } catch (IllegalArgumentException e) {
            throw new SafeTensorsFormatException(file, e.getMessage(), e);
        }
        if (offsets[1] - offsets[0] != needed) {
            throw tensorError(file, name, "data_offsets %s span %d bytes but shape %s of %s needs %d"
                    .formatted(Arrays.toString(offsets), offsets[1] - offsets[0], Arrays.toString(shape), dtype,
                            needed));
        }
        return new TensorEntry(name, dtype, shape, offsets[0], offsets[1]);
    }

    /** Checks that the sorted {@code tensors} cover {@code [0, dataBytes)} exactly once, as the reference does. */
    private static void checkTiling(Path file, List<TensorEntry> tensors, long dataBytes)
            throws SafeTensorsFormatException {
        long covered = 0;
        TensorEntry previous = null;
        for (TensorEntry tensor : tensors) {
            if (tensor.end() > dataBytes) {
                throw tensorError(file, tensor.name(), "data_offsets [%d, %d] extend beyond the %d-byte data buffer"
                        .formatted(tensor.begin(), tensor.end(), dataBytes));
            }
            if (tensor.begin() < covered) {
                throw tensorError(file, tensor.name(), "data_offsets [%d, %d] overlap tensor '%s', which ends at %d"
                        .formatted(tensor.begin(), tensor.end(), previous.name(), covered));
            }
            if (tensor.begin() > covered) {
                throw new SafeTensorsFormatException(file,
                        "gap of %d bytes in the data buffer at [%d, %d), before tensor '%s'"
                                .formatted(tensor.begin() - covered, covered, tensor.begin(), tensor.name()));
            }
            covered = tensor.end();
            previous = tensor;
        }
        if (covered != dataBytes) {
            throw new SafeTensorsFormatException(file,
                    "gap of %d bytes at the end of the data buffer: tensors end at %d but it has %d"
                            .formatted(dataBytes - covered, covered, dataBytes));
        }
    }

    private static JsonNode requiredField(Path file, String name, JsonNode entry, String field)
            throws SafeTensorsFormatException {
        JsonNode value = entry.get(field);
        if (value == null) {
            throw tensorError(file, name, "missing field '" + field + "'");
        }
        return value;
    }

    /** The elements of {@code node} if it is an array of non-negative longs, of {@code length} unless -1. */
    private static Optional<long[]> nonNegativeLongs(JsonNode node, int length) {
        if (!node.isArray() || (length >= 0 && node.size() != length)) {
            return Optional.empty();
        }
        long[] values = new long[node.size()];
        for (int i = 0; i < values.length; i++) {
            JsonNode element = node.get(i);
            if (!element.isIntegralNumber() || !element.canConvertToLong() || element.longValue() < 0) {
                return Optional.empty();
            }
            values[i] = element.longValue();
        }
        return Optional.of(values);
    }

    private static SafeTensorsFormatException tensorError(Path file, String name, String problem) {
        return new SafeTensorsFormatException(file, "tensor '" + name + "': " + problem);
    }
}
