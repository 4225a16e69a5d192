package org.nnpan.golden;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nnpan.nn.Parameter;
import org.nnpan.optim.Adam;
import org.nnpan.optim.Optimizer;
import org.nnpan.optim.Sgd;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.Tensor;

/**
 * The optimizers against a few steps of torch.optim.SGD, Adam and AdamW (optim.safetensors, made by
 * tests/reference/make_optim_fixture.py): parameters after every step and the final state buffers, to 1e-6
 * relative; pruned weights exactly 0.
 */
class OptimGoldenTest {
    private static final String FILE = "optim.safetensors";
    private static final double TOLERANCE = 1e-6;
    private static Fixture fixture;

    @BeforeAll
    static void load() {
        fixture = Fixture.load(FILE);
    }

    static Stream<Arguments> cases() throws Exception {
        List<Arguments> out = new ArrayList<>();
        for (JsonNode c : new ObjectMapper().readTree(Fixture.load(FILE).metadata.get("cases"))) {
            out.add(Arguments.of(c.get("case").asText(), c));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesPyTorch(String name, JsonNode c) {
        SequencedMap<String, Parameter> params = new LinkedHashMap<>();
        for (JsonNode p : c.get("params")) {
            String key = name + "." + p.asText();
            Parameter param = new Parameter(fixture.get(key + ".init", DType.F32).copy(), true);
            if (fixture.has(key + ".mask")) {
                param.setMask(fixture.get(key + ".mask", DType.F32));
            }
            params.put(p.asText(), param);
        }
        JsonNode lrs = c.get("lrs");
        Optimizer optimizer = create(c.get("optimizer").asText(), c.get("hyperparameters"), params, lrs.get(0).asDouble());

        for (int k = 0; k < lrs.size(); k++) {
            optimizer.setLearningRate(lrs.get(k).asDouble());
            for (var e : params.entrySet()) {
                e.getValue().value().setGrad(fixture.get(name + "." + e.getKey() + ".grad" + k, DType.F32).copy());
            }
            optimizer.step();
            for (var e : params.entrySet()) {
                String key = name + "." + e.getKey();
                Fixture.assertClose(key + " after step " + k, fixture.get(key + ".after" + k, DType.F32),
                        e.getValue().value(), TOLERANCE, TOLERANCE);
            }
        }
        for (var e : params.entrySet()) {
            for (JsonNode s : c.get("state")) {
                String key = name + "." + e.getKey() + "." + s.asText();
                Fixture.assertClose(key, fixture.get(key, DType.F32), optimizer.state().get(e.getKey() + "." + s.asText()),
                        TOLERANCE, TOLERANCE);
            }
            assertPrunedWeightsAreZero(name + "." + e.getKey(), e.getValue());
        }
        assertEquals(lrs.size(), optimizer.stepCount());
    }

    private static Optimizer create(String name, JsonNode h, SequencedMap<String, Parameter> params, double lr) {
        return switch (name) {
            case "sgd" -> new Sgd(params, lr, h.get("momentum").asDouble(), h.get("weight_decay").asDouble(),
                    h.get("nesterov").asBoolean());
            case "adam", "adamw" -> new Adam(params, lr, h.get("betas").get(0).asDouble(), h.get("betas").get(1).asDouble(),
                    h.get("eps").asDouble(), h.get("weight_decay").asDouble(), name.equals("adamw"));
            default -> throw new IllegalArgumentException("fixture names unknown optimizer " + name);
        };
    }

    private static void assertPrunedWeightsAreZero(String what, Parameter p) {
        if (!p.isMasked()) {
            return;
        }
        float[] mask = p.mask().toFloatArray();
        float[] value = p.value().toFloatArray();
        for (int i = 0; i < mask.length; i++) {
            if (mask[i] == 0) {
                assertEquals(0, Float.floatToRawIntBits(value[i]), what + "[" + i + "] was revived: " + value[i]);
            }
        }
    }
}
