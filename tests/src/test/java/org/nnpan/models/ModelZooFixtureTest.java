package org.nnpan.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nnpan.nn.Module;
import org.nnpan.tensor.Tensor;

/**
 * Every zoo model against {@code fixtures/model-params.json}, which {@code tests/reference/torch_models.py} writes
 * from the PyTorch definitions: parameter, buffer and state-dict names in PyTorch's order, their shapes, the
 * prunable weights and the parameter counts.
 */
class ModelZooFixtureTest {
    private static final String FIXTURE = "/fixtures/model-params.json";

    static Stream<JsonNode> models() throws IOException {
        try (InputStream in = ModelZooFixtureTest.class.getResourceAsStream(FIXTURE)) {
            assertNotNull(in, FIXTURE + " is missing; run tests/reference/make_fixtures.py");
            List<JsonNode> models = new ArrayList<>();
            new ObjectMapper().readTree(in).get("models").forEach(models::add);
            return models.stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void namesOrderAndShapesMatchPyTorch(JsonNode reference) {
        Module model = build(reference);

        assertEquals(entries(reference.get("parameters")), shapes(model.namedParameters().entrySet().stream()
                .map(e -> Map.entry(e.getKey(), e.getValue().value())).toList()));
        SequencedMap<String, Tensor> buffers = new LinkedHashMap<>(model.namedBuffers());
        List<String> counters = buffers.keySet().stream().filter(k -> k.endsWith(".num_batches_tracked")).toList();
        buffers.keySet().removeAll(counters);
        assertEquals(entries(reference.get("buffers")), shapes(List.copyOf(buffers.entrySet())));
        assertEquals(strings(reference.get("num_batches_tracked_buffers")), counters);
        assertEquals(strings(reference.get("prunable")), List.copyOf(model.prunableParameters().keySet()));
        assertEquals(stateDictOrder(reference), List.copyOf(model.stateDict().keySet()));

        assertEquals(reference.get("num_parameters").asLong(), model.numParameters());
        assertEquals(reference.get("num_prunable_weights").asLong(),
                model.prunableParameters().values().stream().mapToLong(p -> p.numel()).sum());
    }

    /** The fixture's state-dict order with each batch-norm counter put back after its running_var, as PyTorch has it. */
    private static List<String> stateDictOrder(JsonNode reference) {
        List<String> counters = strings(reference.get("num_batches_tracked_buffers"));
        List<String> out = new ArrayList<>();
        reference.get("state_dict").forEach(e -> {
            String name = e.get("name").asText();
            out.add(name);
            String counter = name.replaceFirst("running_var$", "num_batches_tracked");
            if (!counter.equals(name) && counters.contains(counter)) {
                out.add(counter);
            }
        });
        return out;
    }

    /** The fixture names wide ResNets {@code resnet32_w2}; the zoo takes the width from the spec. */
    private static Module build(JsonNode reference) {
        String[] nameAndWidth = reference.get("model").asText().split("_w");
        JsonNode input = reference.get("input_shape");
        assertEquals(input.get(1).asInt(), input.get(2).asInt(), "the zoo takes square inputs");
        ModelSpec spec = new ModelSpec(reference.get("num_classes").asInt(), input.get(0).asInt(), input.get(1).asInt(),
                nameAndWidth.length > 1 ? Integer.parseInt(nameAndWidth[1]) : 1);
        return ModelZoo.createUninitialized(nameAndWidth[0], spec);
    }

    private static List<String> entries(JsonNode namedShapes) {
        List<String> out = new ArrayList<>();
        namedShapes.forEach(e -> {
            List<Integer> shape = new ArrayList<>();
            e.get("shape").forEach(d -> shape.add(d.asInt()));
            out.add(e.get("name").asText() + " " + shape);
        });
        return out;
    }

    private static List<String> shapes(List<Map.Entry<String, Tensor>> named) {
        return named.stream().map(e -> e.getKey() + " " + Arrays.toString(e.getValue().shape())).toList();
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
